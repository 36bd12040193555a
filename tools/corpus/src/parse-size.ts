const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
};

/**
 * Parses a byte size such as `50MB`, `1.5GB`, `512kb`, `4096` or `2 MiB`. Units are binary
 * (1 KB = 1024 bytes), like `head -c 50M`; the result is rounded down to whole bytes.
 * @throws RangeError naming the text when it is not a size
 */
export function parseSize(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = match ? UNITS[match[2]!.toLowerCase()] : undefined;
  if (!match || unit === undefined) {
    throw new RangeError(`invalid size '${text}': expected a number with an optional KB, MB or GB suffix`);
  }
  const bytes = Math.floor(Number(match[1]) * unit);
  if (!Number.isSafeInteger(bytes)) throw new RangeError(`invalid size '${text}': too large`);
  return bytes;
}
