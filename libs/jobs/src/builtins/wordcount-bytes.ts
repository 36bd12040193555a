import type { InputPieces, Utf8Keys } from '../definitions.js';
import { ByteCountTable, LOWER } from './byte-count-table.js';
import { isPythonSpace } from './split-words.js';

// SCAN[b]: SPACE or NEWLINE for whitespace, else the byte lower-cased (LOWER[b], under 0x100), so
// one load per byte classifies the byte and gives what a word hashes. Whitespace is Python's
// str.split() ASCII set: \t \n \v \f \r, U+001C..U+001F, space. Any other byte is part of a word;
// one >= 0x80 (bit 7, kept by LOWER) sends its token to the exact (decode + toLowerCase + split) path.
const SPACE = 0x200; // SCAN[b] >= SPACE: whitespace
const NEWLINE = 0x300; // '\n', also whitespace: counted to count lines
const SCAN = new Uint16Array(256);
for (let b = 0; b < 256; b++) {
  const space = b === 0x20 || (b >= 0x09 && b <= 0x0d) || (b >= 0x1c && b <= 0x1f);
  SCAN[b] = b === 0x0a ? NEWLINE : space ? SPACE : LOWER[b]!;
}

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;

// Same decoder settings as runMapTask: a leading U+FEFF stays text, invalid bytes become U+FFFD.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
const encoder = new TextEncoder();

function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let h = FNV_OFFSET;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, FNV_PRIME);
  return h;
}

let scratch = new Uint8Array(1024);

/**
 * The exact path for a token (a maximal run of bytes that are not ASCII whitespace) holding a
 * byte >= 0x80: decode it, `toLowerCase()` it whole, split it like Python's str.split() (it may
 * hold Unicode whitespace) and count each piece's UTF-8 bytes; the table remembers the pieces, so
 * the token's next occurrences only bump their counts. This is what the line path does to the
 * token's part of its line, because
 * - lower-casing is per character except Final_Sigma, whose context (cased and case-ignorable
 *   characters around a sigma) never crosses ASCII whitespace, which is neither;
 * - decoding is too: an ASCII byte always ends an invalid or truncated sequence (one U+FFFD for
 *   it, whether the decode stops there or goes on), and a token never starts or ends mid-character
 *   otherwise;
 * - the pieces are the line's tokens: Python's whitespace inside the token splits it, the ASCII
 *   whitespace around it splits the line. (runMapTask's stripped '\r' is ASCII whitespace too.)
 */
function countTokenExactly(table: ByteCountTable, input: Uint8Array, start: number, end: number, hash: number): void {
  const text = decoder.decode(input.subarray(start, end)).toLowerCase();
  const n = text.length;
  const entries: number[] = [];
  let from = -1;
  for (let i = 0; i <= n; i++) {
    if (i === n || isPythonSpace(text.charCodeAt(i))) {
      if (from >= 0) {
        const piece = from === 0 && i === n ? text : text.slice(from, i);
        if (piece.length * 3 > scratch.length) scratch = new Uint8Array(piece.length * 3);
        const length = encoder.encodeInto(piece, scratch).written;
        // Lower-cased text has no ASCII upper-case letters, so LOWER is the identity here.
        entries.push(table.addLowered(scratch, 0, length, hashBytes(scratch, 0, length)));
        from = -1;
      }
    } else if (from < 0) from = i;
  }
  table.rememberToken(input, start, end, hash, entries);
}

/**
 * wordcount's byte-level map path over a whole map task's input (newline-separated UTF-8, in
 * pieces of whole lines, or one buffer): the
 * same lines, tokens and counts as running `wordcount.map` on every line runMapTask cuts from the
 * input and summing with `combine`, without a JS string per token. A token of ASCII bytes only is
 * counted as bytes (ASCII lower-casing and Python's ASCII whitespace are exact there); any other
 * token takes the exact path of `countTokenExactly`. The input is not modified.
 */
export function countWordsInBytes(input: Uint8Array | InputPieces): { lines: number; keys: string[]; values: number[] } {
  const table = new ByteCountTable();
  const lines = scanPieces(table, input);
  return { lines, ...table.entries() };
}

/** Bounds of the table {@link countWordsInBytesSorted} keeps per thread (arrays, arena and decoded keys: about 100 MB at worst): past either, it starts afresh. */
export const WORD_TABLE_LIMITS = { entries: 1 << 19, arenaBytes: 16 << 20 };

let threadTable: ByteCountTable | undefined;

/**
 * {@link countWordsInBytes} with its keys already split into `partitions` runs (by `partitionOf`)
 * and sorted in run order, each distinct key once with its count; keys are given as their UTF-8
 * bytes (views of the table's arena, for RawRunWriter: read them before the next call). The hash
 * table lives on in this thread between calls (up to {@link WORD_TABLE_LIMITS}), keeping each
 * key's partition and sort rank, so the words every split repeats are partitioned and sorted once
 * per thread instead of once per map task. Same keys, values and order as sorting
 * countWordsInBytes' result. If anything throws, the table is dropped (never left half-updated).
 */
export function countWordsInBytesSorted(input: Uint8Array | InputPieces, partitions: number): { lines: number; partitions: { keyBytes: Utf8Keys; values: number[] }[] } {
  if (!Number.isInteger(partitions) || partitions < 1) throw new RangeError(`partitions must be a positive integer, got ${String(partitions)}`);
  if (!threadTable || threadTable.size > WORD_TABLE_LIMITS.entries || threadTable.arenaBytes > WORD_TABLE_LIMITS.arenaBytes) threadTable = new ByteCountTable();
  const table = threadTable;
  threadTable = undefined; // restored only once the call has left the table consistent
  const lines = scanPieces(table, input);
  const runs = table.sortedRuns(partitions);
  threadTable = table;
  return { lines, partitions: runs };
}

/** {@link scan} over every piece (pieces hold whole lines, so no token spans two). */
function scanPieces(table: ByteCountTable, input: Uint8Array | InputPieces): number {
  if (ArrayBuffer.isView(input)) return scan(table, input);
  let lines = 0;
  for (const piece of input) lines += scan(table, piece);
  return lines;
}

/**
 * Counts the words of `input` into `table`; returns the number of lines runMapTask would cut from
 * it ('\n' bytes, plus a last line without one). Lines need no other handling: '\n' and a line's
 * stripped '\r' are whitespace, so tokens never span them.
 */
function scan(table: ByteCountTable, input: Uint8Array): number {
  const end = input.length;
  // Past the last whitespace byte every token ends at a whitespace byte, so the token loop needs no bound check.
  let safeEnd = end;
  while (safeEnd > 0 && SCAN[input[safeEnd - 1]!]! < SPACE) safeEnd--;
  let lines = end > 0 && input[end - 1] !== 0x0a ? 1 : 0;
  let i = 0;
  while (i < safeEnd) {
    let s = SCAN[input[i]!]!;
    if (s >= SPACE) {
      if (s === NEWLINE) lines++;
      i++;
      continue;
    }
    const start = i;
    let high = 0;
    let h = FNV_OFFSET;
    do {
      high |= s;
      h = Math.imul(h ^ s, FNV_PRIME);
      s = SCAN[input[++i]!]!;
    } while (s < SPACE);
    if ((high & 0x80) === 0) table.addLowered(input, start, i, h);
    else if (!table.addKnownToken(input, start, i, h)) countTokenExactly(table, input, start, i, h);
  }
  if (safeEnd < end) {
    let high = 0;
    let h = FNV_OFFSET;
    for (let k = safeEnd; k < end; k++) {
      const s = SCAN[input[k]!]!;
      high |= s;
      h = Math.imul(h ^ s, FNV_PRIME);
    }
    if ((high & 0x80) === 0) table.addLowered(input, safeEnd, end, h);
    else if (!table.addKnownToken(input, safeEnd, end, h)) countTokenExactly(table, input, safeEnd, end, h);
  }
  return lines;
}
