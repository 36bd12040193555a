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
  size = 0;

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
          this.counts[entry]!++;
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

  /** The distinct keys (decoded from UTF-8) and their counts, in insertion order. */
  entries(): { keys: string[]; values: number[] } {
    const keys = new Array<string>(this.size);
    const values = new Array<number>(this.size);
    for (let e = 0; e < this.size; e++) {
      const at = this.starts[e]!;
      keys[e] = decoder.decode(this.arena.subarray(at, at + this.lengths[e]!));
      values[e] = this.counts[e]!;
    }
    return { keys, values };
  }

  private newEntry(slot: number, length: number, hash: number): number {
    if (this.size === this.starts.length) {
      const n = this.size * 2;
      this.starts = grow(this.starts, n);
      this.lengths = grow(this.lengths, n);
      this.hashes = grow(this.hashes, n);
      this.counts = grow(this.counts, n);
    }
    if (this.arenaUsed + length > this.arena.length) this.arena = grow(this.arena, this.arenaUsed + length);
    const e = this.size++;
    this.starts[e] = this.arenaUsed;
    this.lengths[e] = length;
    this.hashes[e] = hash;
    this.counts[e] = 1;
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
  return { lines, ...table.entries() };
}
