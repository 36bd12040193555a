import { decodeUtf8 } from './byte-reader.js';

/**
 * Compares two keys stored as UTF-8 (`a[aStart, aEnd)` and `b[bStart, bEnd)`) in the order runs
 * are sorted in, JS string order (UTF-16 code units): negative, 0 or positive. UTF-8 byte order is
 * code point order, which is the same except that UTF-16 puts characters past U+FFFF (surrogate
 * pairs, 0xD800-0xDFFF) before U+E000-U+FFFF. The two can only disagree where the first differing
 * byte is a lead byte of 0xEE or more; there the decoded strings are compared instead.
 * @internal
 */
export function compareKeyBytes(a: Uint8Array, aStart: number, aEnd: number, b: Uint8Array, bStart: number, bEnd: number): number {
  const aLength = aEnd - aStart;
  const bLength = bEnd - bStart;
  const n = aLength < bLength ? aLength : bLength;
  for (let i = 0; i < n; i++) {
    const x = a[aStart + i]!;
    const y = b[bStart + i]!;
    if (x !== y) {
      if (x < 0xee && y < 0xee) return x - y;
      const s = decodeUtf8(a, aStart, aEnd);
      const t = decodeUtf8(b, bStart, bEnd);
      return s < t ? -1 : s > t ? 1 : 0;
    }
  }
  return aLength - bLength;
}

/** True when `a[aStart, aEnd)` and `b[bStart, bEnd)` hold the same bytes. @internal */
export function equalKeyBytes(a: Uint8Array, aStart: number, aEnd: number, b: Uint8Array, bStart: number, bEnd: number): boolean {
  const length = aEnd - aStart;
  if (bEnd - bStart !== length) return false;
  for (let i = 0; i < length; i++) if (a[aStart + i] !== b[bStart + i]) return false;
  return true;
}
