import { partitionOf } from '@weft/records';

/** LOWER[b]: the byte b with ASCII letters lower-cased. */
export const LOWER = new Uint8Array(256);
for (let b = 0; b < 256; b++) LOWER[b] = b >= 0x41 && b <= 0x5a ? b | 0x20 : b;

// Same decoder settings as runMapTask: a leading U+FEFF stays text, invalid bytes become U+FFFD.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * KEY_ORDER[b] ranks byte b so that comparing keys' UTF-8 bytes through it gives the run order, the
 * UTF-16 code unit order of the decoded keys. Plain byte order is code point order, which differs
 * only where a character in U+E000..U+FFFF (lead byte 0xEE or 0xEF) meets a supplementary one (lead
 * 0xF0..0xF4, a surrogate pair in UTF-16, so it sorts first there): those five leads rank below
 * 0xEE and 0xEF. The first byte where two well-formed keys differ is either a lead byte in both or
 * a continuation byte under equal leads, so moving leads among themselves is enough.
 */
const KEY_ORDER = new Uint8Array(256);
for (let b = 0; b < 256; b++) KEY_ORDER[b] = b >= 0xf0 && b <= 0xf4 ? b - 2 : b === 0xee || b === 0xef ? b + 5 : b;

// FNV-1a 32-bit, as partitionOf uses over a key's UTF-16 code units.
const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;

/** Positions packed under the sort symbols by `sortEntries` (more keys than this are sorted by comparisons). */
const POSITIONS = 2 ** 29;

/**
 * Counts byte-string keys in an open-addressing hash table (linear probing, load <= 1/2). Keys are
 * copied into one arena; counting a token costs a probe and a byte compare, never a JS string.
 * `addLowered` lower-cases ASCII letters of the source while hashing/comparing/copying, so the
 * caller's buffer is never modified.
 *
 * A table can also outlive a task (see {@link countWordsInBytesSorted}): counts are per task (the
 * entries a task touched are listed and zeroed afterwards), while each entry's decoded key, its
 * partition and its rank in the sorted order of all keys the table has seen are kept. A word that
 * appears in many tasks is then decoded, hashed for its partition and sorted once per table, and
 * a task only sorts the integer ranks of its keys. Raw non-ASCII tokens are remembered with the
 * entries they stand for (see {@link ByteCountTable.rememberToken}) for as long as the table lives.
 */
export class ByteCountTable {
  private slots = new Int32Array(1 << 14); // entry index + 1; 0 = empty
  private mask = (1 << 14) - 1;
  private arena = new Uint8Array(1 << 16);
  private arenaUsed = 0;
  private starts = new Int32Array(1 << 13);
  private lengths = new Int32Array(1 << 13);
  private hashes = new Int32Array(1 << 13);
  private counts = new Float64Array(1 << 13);
  // Entries with a non-zero count, in first-touch order.
  private touched = new Int32Array(1 << 13);
  private touchedCount = 0;
  // Kept across tasks (sortedRuns): decoded keys (non-ASCII ones and those `entries` returned), partitions (for `partitionsOfEntries`), sorted order and ranks.
  private keys: string[] = [];
  private parts = new Int32Array(1 << 13);
  private partitionsOfEntries = 0;
  private ranks = new Int32Array(1 << 13); // position in `order`, -1 = not placed yet
  private order = new Int32Array(0); // placed entries in key order (UTF-16 code units)
  private entryCount = 0;
  private readonly tokens = new TokenAliases();

  /** Bytes of key and remembered token text held. */
  get arenaBytes(): number {
    return this.arenaUsed + this.tokens.arenaBytes;
  }

  /** Entries plus remembered tokens. */
  get size(): number {
    return this.entryCount + this.tokens.size;
  }

  /**
   * Adds 1 to the key LOWER[source[start..end)] (ASCII letters lower-cased), whose FNV-1a hash (of
   * the lowered bytes) is `hash`; returns its entry (stable for the table's life).
   */
  addLowered(source: Uint8Array, start: number, end: number, hash: number): number {
    const length = end - start;
    const slots = this.slots;
    const mask = this.mask;
    let slot = hash & mask;
    for (;;) {
      const entry = slots[slot]! - 1;
      if (entry < 0) break;
      if (this.hashes[entry] === hash && this.lengths[entry] === length) {
        const arena = this.arena;
        const at = this.starts[entry]!;
        let k = 0;
        while (k < length && arena[at + k] === LOWER[source[start + k]!]) k++;
        if (k === length) {
          if (this.counts[entry]!++ === 0) this.touch(entry);
          return entry;
        }
      }
      slot = (slot + 1) & mask;
    }
    const e = this.newEntry(slot, length, hash);
    const arena = this.arena;
    const at = this.starts[e]!;
    for (let k = 0; k < length; k++) arena[at + k] = LOWER[source[start + k]!]!;
    return e;
  }

  /** Adds 1 to the count of `entry` (returned by {@link addLowered}). */
  bump(entry: number): void {
    if (this.counts[entry]!++ === 0) this.touch(entry);
  }

  /**
   * Adds 1 to each key the raw token source[start..end) was remembered to stand for (see
   * {@link rememberToken}); `hash` is its FNV-1a hash with ASCII letters lowered. False, counting
   * nothing, when the token is not remembered.
   */
  addKnownToken(source: Uint8Array, start: number, end: number, hash: number): boolean {
    const found = this.tokens.find(source, start, end, hash);
    if (found < 0) return false;
    const pieces = this.tokens.pieces;
    for (let k = this.tokens.firstPiece[found]!, last = this.tokens.firstPiece[found + 1]!; k < last; k++) this.bump(pieces[k]!);
    return true;
  }

  /** Remembers that the raw token source[start..end) (hash as in {@link addKnownToken}) stands for the keys `entries`, in order. */
  rememberToken(source: Uint8Array, start: number, end: number, hash: number, entries: readonly number[]): void {
    this.tokens.add(source, start, end, hash, entries);
  }

  /** The distinct keys counted (decoded from UTF-8) and their counts, in first-touch order. */
  entries(): { keys: string[]; values: number[] } {
    const n = this.touchedCount;
    const keys = new Array<string>(n);
    const values = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      const e = this.touched[i]!;
      keys[i] = this.keyOf(e);
      values[i] = this.counts[e]!;
    }
    return { keys, values };
  }

  /**
   * The keys counted since the last call, split by `partitionOf(key, partitions)` and each part in
   * run order, with their counts; then zeroes the counts. Keys are given as their UTF-8 bytes in
   * the table's arena (valid until the table next counts). New keys are partitioned and merged
   * into the table's sorted order here, once; known keys only have their ranks sorted.
   */
  sortedRuns(partitions: number): { keyBytes: { bytes: Uint8Array; starts: Int32Array; lengths: Int32Array }; values: number[] }[] {
    if (this.partitionsOfEntries !== partitions) {
      for (const e of this.order) this.parts[e] = this.partitionOfEntry(e, partitions);
      this.partitionsOfEntries = partitions;
    }
    const n = this.touchedCount;
    const fresh: number[] = [];
    const sizes = new Int32Array(partitions);
    for (let i = 0; i < n; i++) {
      const e = this.touched[i]!;
      if (this.ranks[e]! < 0) {
        this.parts[e] = this.partitionOfEntry(e, partitions);
        fresh.push(e);
      }
      sizes[this.parts[e]!]!++;
    }
    if (fresh.length > 0) this.place(fresh);
    const byPartition = Array.from(sizes, (size) => new Int32Array(size));
    sizes.fill(0);
    for (let i = 0; i < n; i++) {
      const e = this.touched[i]!;
      const p = this.parts[e]!;
      byPartition[p]![sizes[p]!++] = this.ranks[e]!;
    }
    const runs = byPartition.map((ranks) => {
      ranks.sort(); // numeric: ranks are the keys' positions in UTF-16 code unit order
      const starts = new Int32Array(ranks.length);
      const lengths = new Int32Array(ranks.length);
      const values = new Array<number>(ranks.length);
      for (let i = 0; i < ranks.length; i++) {
        const e = this.order[ranks[i]!]!;
        starts[i] = this.starts[e]!;
        lengths[i] = this.lengths[e]!;
        values[i] = this.counts[e]!;
      }
      return { keyBytes: { bytes: this.arena, starts, lengths }, values };
    });
    this.clearCounts();
    return runs;
  }

  /** Zeroes the counts of the entries touched since the last clear. */
  clearCounts(): void {
    for (let i = 0; i < this.touchedCount; i++) this.counts[this.touched[i]!] = 0;
    this.touchedCount = 0;
  }

  /**
   * `partitionOf(key, partitions)` of entry e's key: an ASCII key's UTF-16 code units are its
   * bytes, so it is hashed from the arena as partitionOf hashes the string; any other is decoded.
   */
  private partitionOfEntry(e: number, partitions: number): number {
    if (partitions === 1) return 0;
    const arena = this.arena;
    const at = this.starts[e]!;
    const end = at + this.lengths[e]!;
    let hash = FNV_OFFSET;
    for (let i = at; i < end; i++) {
      const b = arena[i]!;
      if (b >= 0x80) return partitionOf(this.keyOf(e), partitions);
      hash = Math.imul(hash ^ b, FNV_PRIME);
    }
    return (hash >>> 0) % partitions;
  }

  private keyOf(e: number): string {
    let key = this.keys[e];
    if (key === undefined) {
      const at = this.starts[e]!;
      key = decoder.decode(this.arena.subarray(at, at + this.lengths[e]!));
      this.keys[e] = key;
    }
    return key;
  }

  /** Merges entries never placed into the sorted order and renumbers the ranks. */
  private place(fresh: number[]): void {
    const sorted = Int32Array.from(fresh);
    this.sortEntries(sorted, 0, sorted.length, 0);
    const old = this.order;
    const merged = new Int32Array(old.length + sorted.length);
    let from = 0; // next entry of `old` to copy
    let to = 0;
    for (let i = 0; i < sorted.length; i++) {
      const e = sorted[i]!;
      while (from < old.length && this.keyBefore(old[from]!, e, 0)) merged[to++] = old[from++]!;
      merged[to++] = e;
    }
    merged.set(old.subarray(from), to);
    this.order = merged;
    const ranks = this.ranks;
    for (let i = 0; i < merged.length; i++) ranks[merged[i]!] = i;
  }

  /**
   * Sorts the entries order[lo..hi), whose keys agree on their first `depth` bytes, in run order:
   * an MSD radix sort on 3 bytes at a time (a numeric sort of doubles packing the 3 symbols and the
   * position), then each group that shares them on the next 3; small ranges by insertion.
   */
  private sortEntries(order: Int32Array, lo: number, hi: number, depth: number): void {
    const n = hi - lo;
    if (n < 24) {
      for (let i = lo + 1; i < hi; i++) {
        const e = order[i]!;
        let j = i - 1;
        while (j >= lo && this.keyBefore(e, order[j]!, depth)) {
          order[j + 1] = order[j]!;
          j--;
        }
        order[j + 1] = e;
      }
      return;
    }
    if (n >= POSITIONS) {
      const part = Array.from(order.subarray(lo, hi)).sort((a, b) => (this.keyBefore(a, b, depth) ? -1 : 1));
      order.set(part, lo);
      return;
    }
    // Symbol 0 ends a key and 1 + KEY_ORDER[b] is byte b: 257^3 * 2^29 < 2^53, exact in a double.
    const packed = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const e = order[lo + i]!;
      packed[i] = ((this.symbol(e, depth) * 257 + this.symbol(e, depth + 1)) * 257 + this.symbol(e, depth + 2)) * POSITIONS + i;
    }
    packed.sort();
    const before = order.slice(lo, hi);
    for (let i = 0; i < n; i++) order[lo + i] = before[packed[i]! % POSITIONS]!;
    // Distinct keys that share 3 symbols all go on past them (a 0 among them would make two keys equal).
    let group = 0;
    for (let i = 1; i <= n; i++) {
      if (i === n || Math.floor(packed[i]! / POSITIONS) !== Math.floor(packed[group]! / POSITIONS)) {
        if (i - group > 1) this.sortEntries(order, lo + group, lo + i, depth + 3);
        group = i;
      }
    }
  }

  /** Byte `at` of entry e's key as a sort symbol: 0 past its end, else 1 + KEY_ORDER of the byte. */
  private symbol(e: number, at: number): number {
    return at < this.lengths[e]! ? KEY_ORDER[this.arena[this.starts[e]! + at]!]! + 1 : 0;
  }

  /** Whether entry a's key sorts before entry b's (run order), given that they agree on their first `depth` bytes. */
  private keyBefore(a: number, b: number, depth: number): boolean {
    const arena = this.arena;
    const la = this.lengths[a]!;
    const lb = this.lengths[b]!;
    const sa = this.starts[a]!;
    const sb = this.starts[b]!;
    const n = la < lb ? la : lb;
    for (let k = depth; k < n; k++) {
      const x = KEY_ORDER[arena[sa + k]!]!;
      const y = KEY_ORDER[arena[sb + k]!]!;
      if (x !== y) return x < y;
    }
    return la < lb;
  }

  private touch(e: number): void {
    if (this.touchedCount === this.touched.length) this.touched = grow(this.touched, this.touchedCount + 1);
    this.touched[this.touchedCount++] = e;
  }

  private newEntry(slot: number, length: number, hash: number): number {
    if (this.entryCount === this.starts.length) {
      const n = this.entryCount * 2;
      this.starts = grow(this.starts, n);
      this.lengths = grow(this.lengths, n);
      this.hashes = grow(this.hashes, n);
      this.counts = grow(this.counts, n);
      this.parts = grow(this.parts, n);
      this.ranks = grow(this.ranks, n);
    }
    if (this.arenaUsed + length > this.arena.length) this.arena = grow(this.arena, this.arenaUsed + length);
    const e = this.entryCount++;
    this.starts[e] = this.arenaUsed;
    this.lengths[e] = length;
    this.hashes[e] = hash;
    this.counts[e] = 1;
    this.ranks[e] = -1;
    this.touch(e);
    this.arenaUsed += length;
    this.slots[slot] = e + 1;
    if (this.entryCount * 2 > this.slots.length) this.rehash();
    return e;
  }

  private rehash(): void {
    this.slots = slotsOf(this.hashes, this.entryCount, this.slots.length * 2);
    this.mask = this.slots.length - 1;
  }
}

/**
 * A linear-probing slot array of `size` (a power of two) for entries 0..count-1 with these hashes:
 * each slot holds an entry index + 1, 0 when empty. Both tables rehash into it when half full.
 */
function slotsOf(hashes: Int32Array, count: number, size: number): Int32Array<ArrayBuffer> {
  const slots = new Int32Array(size);
  const mask = size - 1;
  for (let e = 0; e < count; e++) {
    let slot = hashes[e]! & mask;
    while (slots[slot] !== 0) slot = (slot + 1) & mask;
    slots[slot] = e + 1;
  }
  return slots;
}

function grow<T extends Uint8Array | Int32Array | Float64Array>(array: T, atLeast: number): T {
  let n = Math.max(array.length * 2, 16);
  while (n < atLeast) n *= 2;
  const bigger = new (array.constructor as new (n: number) => T)(n);
  bigger.set(array);
  return bigger;
}

/**
 * Raw tokens (bytes between ASCII whitespace, holding a byte >= 0x80) remembered with the table
 * entries they stand for: the exact path's result is a function of the token's bytes alone, so a
 * token seen again skips the decode, toLowerCase, split and encode.
 */
class TokenAliases {
  private slots = new Int32Array(1 << 8); // token index + 1; 0 = empty
  private mask = (1 << 8) - 1;
  private arena = new Uint8Array(1 << 12);
  private arenaUsed = 0;
  private starts = new Int32Array(1 << 7);
  private lengths = new Int32Array(1 << 7);
  private hashes = new Int32Array(1 << 7);
  /** Token t stands for pieces[firstPiece[t] .. firstPiece[t + 1]). */
  firstPiece = new Int32Array(1 << 7);
  pieces = new Int32Array(1 << 8);
  size = 0;

  get arenaBytes(): number {
    return this.arenaUsed;
  }

  /** The token equal to source[start..end), or -1. */
  find(source: Uint8Array, start: number, end: number, hash: number): number {
    const length = end - start;
    const slots = this.slots;
    let slot = hash & this.mask;
    for (;;) {
      const t = slots[slot]! - 1;
      if (t < 0) return -1;
      if (this.hashes[t] === hash && this.lengths[t] === length) {
        const arena = this.arena;
        const at = this.starts[t]!;
        let k = 0;
        while (k < length && arena[at + k] === source[start + k]) k++;
        if (k === length) return t;
      }
      slot = (slot + 1) & this.mask;
    }
  }

  /** Adds a token not yet known. */
  add(source: Uint8Array, start: number, end: number, hash: number, entries: readonly number[]): void {
    const length = end - start;
    const t = this.size;
    if (t + 2 > this.starts.length) {
      const n = (t + 2) * 2;
      this.starts = grow(this.starts, n);
      this.lengths = grow(this.lengths, n);
      this.hashes = grow(this.hashes, n);
      this.firstPiece = grow(this.firstPiece, n);
    }
    if (this.arenaUsed + length > this.arena.length) this.arena = grow(this.arena, this.arenaUsed + length);
    const first = this.firstPiece[t]!;
    if (first + entries.length > this.pieces.length) this.pieces = grow(this.pieces, first + entries.length);
    this.pieces.set(entries, first);
    this.firstPiece[t + 1] = first + entries.length;
    this.arena.set(source.subarray(start, end), this.arenaUsed);
    this.starts[t] = this.arenaUsed;
    this.lengths[t] = length;
    this.hashes[t] = hash;
    this.arenaUsed += length;
    this.size++;
    let slot = hash & this.mask;
    while (this.slots[slot] !== 0) slot = (slot + 1) & this.mask;
    this.slots[slot] = t + 1;
    if (this.size * 2 > this.slots.length) this.rehash();
  }

  private rehash(): void {
    this.slots = slotsOf(this.hashes, this.size, this.slots.length * 2);
    this.mask = this.slots.length - 1;
  }
}
