import { FNV_OFFSET, FNV_PRIME, hashBytes, type ByteCountTable } from './byte-count-table.ts';
import { isPythonWhitespace } from './python-whitespace.ts';

// Byte classes for the scan. ASCII whitespace is Python's: \t \n \v \f \r, U+001C..U+001F, space.
const WORD = 0;
const SPACE = 1;
const UPPER = 2;
const NON_ASCII = 3;
const CLASS = new Uint8Array(256);
for (let b = 0; b < 256; b++) {
  if (b >= 0x80) CLASS[b] = NON_ASCII;
  else if (b === 0x20 || (b >= 0x09 && b <= 0x0d) || (b >= 0x1c && b <= 0x1f)) CLASS[b] = SPACE;
  else if (b >= 0x41 && b <= 0x5a) CLASS[b] = UPPER;
  else CLASS[b] = WORD;
}

/**
 * Counts the words of `bytes[start..end)` (UTF-8) into `table`, with the lesson's semantics
 * (`text.lower().split()`): the key of each token is the UTF-8 of its Python-lower-cased form.
 *
 * Fast path: split on ASCII whitespace, lower-case ASCII letters in place (so `bytes` is modified)
 * and hash while scanning. A token holding any non-ASCII byte takes the slow path instead: it is
 * decoded, lower-cased with `toLowerCase` (Unicode default case mapping, as Python's `str.lower`)
 * and split again on Python's non-ASCII whitespace (NBSP, U+3000, ...), which the byte scan cannot
 * see. Doing this per token rather than per line gives the same answer: lower-casing context (the
 * Greek final sigma) never reaches across whitespace, and whitespace is never lower-cased away.
 *
 * @returns the number of tokens counted
 */
export function countWords(table: ByteCountTable, bytes: Uint8Array, start: number, end: number): number {
  let tokens = 0;
  let i = start;
  while (i < end) {
    while (i < end && CLASS[bytes[i]!] === SPACE) i++;
    if (i >= end) break;
    const tokenStart = i;
    let h = FNV_OFFSET;
    let ascii = true;
    while (i < end) {
      let b = bytes[i]!;
      const c = CLASS[b];
      if (c === SPACE) break;
      if (c === UPPER) {
        b |= 0x20;
        bytes[i] = b;
      } else if (c === NON_ASCII) {
        ascii = false;
      }
      h = Math.imul(h ^ b, FNV_PRIME);
      i++;
    }
    if (ascii) {
      table.add(bytes, tokenStart, i, h);
      tokens++;
    } else {
      tokens += countUnicodeToken(table, bytes, tokenStart, i);
    }
  }
  return tokens;
}

// Scratch space for the lower-cased UTF-8 of a non-ASCII token (the table copies keys it keeps).
let scratch = new Uint8Array(1024);

function countUnicodeToken(table: ByteCountTable, bytes: Uint8Array, start: number, end: number): number {
  const lower = Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('utf8').toLowerCase();
  if (lower.length * 3 > scratch.length) scratch = new Uint8Array(lower.length * 3);
  const length = encoder.encodeInto(lower, scratch).written;
  let tokens = 0;
  let from = -1;
  let k = 0;
  while (k < length) {
    const space = pythonWhitespaceBytes(scratch, k, length);
    if (space > 0) {
      if (from >= 0) {
        table.add(scratch, from, k, hashBytes(scratch, from, k));
        tokens++;
        from = -1;
      }
      k += space;
    } else {
      if (from < 0) from = k;
      k++;
    }
  }
  if (from >= 0) {
    table.add(scratch, from, length, hashBytes(scratch, from, length));
    tokens++;
  }
  return tokens;
}

const encoder = new TextEncoder();

/**
 * Length of the UTF-8 sequence at `bytes[k]` when it encodes Python whitespace, else 0. Checks
 * bytes rather than decoded code points so the slow path needs no second decode.
 */
function pythonWhitespaceBytes(bytes: Uint8Array, k: number, end: number): number {
  const b = bytes[k]!;
  if (b < 0x80) return CLASS[b] === SPACE ? 1 : 0;
  if ((b === 0xc2 || b === 0xe1 || b === 0xe2 || b === 0xe3) && k + 1 < end) {
    const sequence = b < 0xe0 ? 2 : 3;
    if (k + sequence > end) return 0;
    const code = sequence === 2 ? ((b & 0x1f) << 6) | (bytes[k + 1]! & 0x3f) : ((b & 0x0f) << 12) | ((bytes[k + 1]! & 0x3f) << 6) | (bytes[k + 2]! & 0x3f);
    return isPythonWhitespace(code) ? sequence : 0;
  }
  return 0;
}
