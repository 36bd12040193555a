import { partitionOf } from '@weft/records';
import { isPythonSpace } from './split-words.js';

// Byte classes of the scan. ASCII whitespace is Python's str.split() set: \t \n \v \f \r, U+001C..U+001F, space.
const SPACE = 1; // 0: any other ASCII byte, part of a word
const HIGH = 2; // >= 0x80: the line takes the exact (decode + toLowerCase + split) path
const CLASS = new Uint8Array(256);
const LOWER = new Uint8Array(256);
for (let b = 0; b < 256; b++) {
  LOWER[b] = b >= 0x41 && b <= 0x5a ? b | 0x20 : b;
  if (b >= 0x80) CLASS[b] = HIGH;
  else if (b === 0x20 || (b >= 0x09 && b <= 0x0d) || (b >= 0x1c && b <= 0x1f)) CLASS[b] = SPACE;
}

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;

// Same decoder settings as runMapTask: a leading U+FEFF stays text, invalid bytes become U+FFFD.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
const encoder = new TextEncoder();

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
 * a task only sorts the integer ranks of its keys.
 */
class ByteCountTable {
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
  // Kept across tasks (sortedRuns): decoded keys, partitions (for `partitionsOfEntries`), sorted order and ranks.
  private keys: string[] = [];
  private parts = new Int32Array(1 << 13);
  private partitionsOfEntries = 0;
  private ranks = new Int32Array(1 << 13); // position in `order`, -1 = not placed yet
  private order = new Int32Array(0); // placed entries in key order (UTF-16 code units)
  size = 0;

  /** Bytes of key text held (the arena's used part). */
  get arenaBytes(): number {
    return this.arenaUsed;
  }

  /** Adds 1 to the key LOWER[source[start..end)], whose FNV-1a hash (of the lowered bytes) is `hash`. */
  addLowered(source: Uint8Array, start: number, end: number, hash: number): void {
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
          return;
        }
      }
      slot = (slot + 1) & mask;
    }
    const e = this.newEntry(slot, length, hash);
    const arena = this.arena;
    const at = this.starts[e]!;
    for (let k = 0; k < length; k++) arena[at + k] = LOWER[source[start + k]!]!;
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
   * run order, with their counts; then zeroes the counts. New keys are decoded, partitioned and
   * merged into the table's sorted order here, once; known keys only have their ranks sorted.
   */
  sortedRuns(partitions: number): { keys: string[]; values: number[] }[] {
    if (this.partitionsOfEntries !== partitions) {
      for (const e of this.order) this.parts[e] = partitionOf(this.keys[e]!, partitions);
      this.partitionsOfEntries = partitions;
    }
    const n = this.touchedCount;
    const fresh: number[] = [];
    const sizes = new Int32Array(partitions);
    for (let i = 0; i < n; i++) {
      const e = this.touched[i]!;
      if (this.ranks[e]! < 0) {
        this.parts[e] = partitionOf(this.keyOf(e), partitions);
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
      const keys = new Array<string>(ranks.length);
      const values = new Array<number>(ranks.length);
      for (let i = 0; i < ranks.length; i++) {
        const e = this.order[ranks[i]!]!;
        keys[i] = this.keys[e]!;
        values[i] = this.counts[e]!;
      }
      return { keys, values };
    });
    this.clearCounts();
    return runs;
  }

  /** Zeroes the counts of the entries touched since the last clear. */
  clearCounts(): void {
    for (let i = 0; i < this.touchedCount; i++) this.counts[this.touched[i]!] = 0;
    this.touchedCount = 0;
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

  /** Merges entries never placed (keys decoded) into the sorted order and renumbers the ranks. */
  private place(fresh: number[]): void {
    const keys = this.keys;
    // Keys are distinct, so never equal: UTF-16 code unit order, the run order.
    fresh.sort((a, b) => (keys[a]! < keys[b]! ? -1 : 1));
    const old = this.order;
    const merged = new Int32Array(old.length + fresh.length);
    let from = 0; // next entry of `old` to copy
    let to = 0;
    for (const e of fresh) {
      const key = keys[e]!;
      // First position in old[from..] whose key sorts after `key` (binary search).
      let lo = from;
      let hi = old.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (keys[old[mid]!]! < key) lo = mid + 1;
        else hi = mid;
      }
      merged.set(old.subarray(from, lo), to);
      to += lo - from;
      from = lo;
      merged[to++] = e;
    }
    merged.set(old.subarray(from), to);
    this.order = merged;
    const ranks = this.ranks;
    for (let i = 0; i < merged.length; i++) ranks[merged[i]!] = i;
  }

  private touch(e: number): void {
    if (this.touchedCount === this.touched.length) this.touched = grow(this.touched, this.touchedCount + 1);
    this.touched[this.touchedCount++] = e;
  }

  private newEntry(slot: number, length: number, hash: number): number {
    if (this.size === this.starts.length) {
      const n = this.size * 2;
      this.starts = grow(this.starts, n);
      this.lengths = grow(this.lengths, n);
      this.hashes = grow(this.hashes, n);
      this.counts = grow(this.counts, n);
      this.parts = grow(this.parts, n);
      this.ranks = grow(this.ranks, n);
    }
    if (this.arenaUsed + length > this.arena.length) this.arena = grow(this.arena, this.arenaUsed + length);
    const e = this.size++;
    this.starts[e] = this.arenaUsed;
    this.lengths[e] = length;
    this.hashes[e] = hash;
    this.counts[e] = 1;
    this.ranks[e] = -1;
    this.touch(e);
    this.arenaUsed += length;
    this.slots[slot] = e + 1;
    if (this.size * 2 > this.slots.length) this.rehash();
    return e;
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let e = 0; e < this.size; e++) {
      let slot = this.hashes[e]! & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = e + 1;
    }
    this.slots = slots;
    this.mask = mask;
  }
}

function grow<T extends Uint8Array | Int32Array | Float64Array>(array: T, atLeast: number): T {
  let n = Math.max(array.length * 2, 16);
  while (n < atLeast) n *= 2;
  const bigger = new (array.constructor as new (n: number) => T)(n);
  bigger.set(array);
  return bigger;
}

function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let h = FNV_OFFSET;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, FNV_PRIME);
  return h;
}

let scratch = new Uint8Array(1024);

/**
 * The exact path for a line holding a byte >= 0x80: decode the LINE (as runMapTask would slice it
 * out of its whole-buffer decode), `toLowerCase()` it whole (the final sigma depends on context),
 * split it like Python's str.split() and count each token's UTF-8 bytes.
 */
function countLineExactly(table: ByteCountTable, input: Uint8Array, start: number, end: number): void {
  const text = decoder.decode(input.subarray(start, end)).toLowerCase();
  const n = text.length;
  let from = -1;
  for (let i = 0; i <= n; i++) {
    if (i === n || isPythonSpace(text.charCodeAt(i))) {
      if (from >= 0) {
        const token = text.slice(from, i);
        if (token.length * 3 > scratch.length) scratch = new Uint8Array(token.length * 3);
        const length = encoder.encodeInto(token, scratch).written;
        // Lower-cased text has no ASCII upper-case letters, so LOWER is the identity here.
        table.addLowered(scratch, 0, length, hashBytes(scratch, 0, length));
        from = -1;
      }
    } else if (from < 0) from = i;
  }
}

/**
 * wordcount's byte-level map path over a whole map task's input (newline-separated UTF-8): the
 * same lines, tokens and counts as running `wordcount.map` on every line runMapTask cuts from the
 * input and summing with `combine`, without a JS string per token. A line of ASCII bytes only is
 * scanned as bytes (ASCII lower-casing and Python's ASCII whitespace are exact there); any other
 * line is decoded and handled exactly like the line path. The input is not modified.
 */
export function countWordsInBytes(input: Uint8Array): { lines: number; keys: string[]; values: number[] } {
  const table = new ByteCountTable();
  const lines = scan(table, input);
  return { lines, ...table.entries() };
}

/** Bounds of the table {@link countWordsInBytesSorted} keeps per thread (arrays, arena and decoded keys: about 100 MB at worst): past either, it starts afresh. */
export const WORD_TABLE_LIMITS = { entries: 1 << 19, arenaBytes: 16 << 20 };

let threadTable: ByteCountTable | undefined;

/**
 * {@link countWordsInBytes} with its keys already split into `partitions` runs (by `partitionOf`)
 * and sorted in run order, each distinct key once with its count. The hash table lives on in this
 * thread between calls (up to {@link WORD_TABLE_LIMITS}), keeping each key's decoded text,
 * partition and sort rank, so the words every split repeats are decoded, partitioned and sorted
 * once per thread instead of once per map task. Same keys, values and order as sorting
 * countWordsInBytes' result. If anything throws, the table is dropped (never left half-updated).
 */
export function countWordsInBytesSorted(input: Uint8Array, partitions: number): { lines: number; partitions: { keys: string[]; values: number[] }[] } {
  if (!Number.isInteger(partitions) || partitions < 1) throw new RangeError(`partitions must be a positive integer, got ${String(partitions)}`);
  if (!threadTable || threadTable.size > WORD_TABLE_LIMITS.entries || threadTable.arenaBytes > WORD_TABLE_LIMITS.arenaBytes) threadTable = new ByteCountTable();
  const table = threadTable;
  threadTable = undefined; // restored only once the call has left the table consistent
  const lines = scan(table, input);
  const runs = table.sortedRuns(partitions);
  threadTable = table;
  return { lines, partitions: runs };
}

/** Counts the words of `input` into `table`; returns the number of lines. */
function scan(table: ByteCountTable, input: Uint8Array): number {
  const end = input.length;
  // Tokens of the current line, committed when the line turns out to be all ASCII.
  let staged = new Int32Array(3 * 256);
  let lines = 0;
  let pos = 0;
  while (pos < end) {
    let lineEnd = input.indexOf(10, pos);
    const next = lineEnd === -1 ? end : lineEnd + 1;
    if (lineEnd === -1) lineEnd = end;
    lines++;
    let n = 0;
    let ascii = true;
    let i = pos;
    while (i < lineEnd) {
      let c = CLASS[input[i]!]!;
      if (c === SPACE) {
        i++;
        continue;
      }
      const tokenStart = i;
      let h = FNV_OFFSET;
      while (c !== SPACE) {
        if (c === HIGH) {
          ascii = false;
          break;
        }
        h = Math.imul(h ^ LOWER[input[i]!]!, FNV_PRIME);
        if (++i === lineEnd) break;
        c = CLASS[input[i]!]!;
      }
      if (!ascii) break;
      if (n + 3 > staged.length) staged = grow(staged, n + 3);
      staged[n] = tokenStart;
      staged[n + 1] = i;
      staged[n + 2] = h;
      n += 3;
    }
    if (ascii) {
      for (let k = 0; k < n; k += 3) table.addLowered(input, staged[k]!, staged[k + 1]!, staged[k + 2]!);
    } else {
      // runMapTask strips one '\r' ending the line; it is whitespace to str.split() and
      // ends any final-sigma context just as the line end does, but keep the line identical anyway.
      const stop = lineEnd > pos && input[lineEnd - 1] === 13 ? lineEnd - 1 : lineEnd;
      countLineExactly(table, input, pos, stop);
    }
    pos = next;
  }
  return lines;
}
