/**
 * The partition (0-based) a key belongs to: FNV-1a 32-bit over the key's UTF-16 code units,
 * modulo `partitions`. Pure arithmetic, so every node and thread agrees on it.
 * @param partitions number of partitions (reducers), a positive integer.
 * @throws RangeError when `partitions` is not a positive integer.
 */
export function partitionOf(key: string, partitions: number): number {
  if (partitions === 1) return 0;
  if (!Number.isInteger(partitions) || partitions < 1) {
    throw new RangeError(`partitions must be a positive integer, got ${String(partitions)}`);
  }
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % partitions;
}
