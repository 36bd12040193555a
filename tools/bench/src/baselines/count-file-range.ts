import { closeSync, openSync, readSync } from 'node:fs';
import type { ByteCountTable } from './byte-count-table.ts';
import { countWords } from './count-words.ts';

/** Bytes read per `read` call: large enough to amortise the syscall, small enough to stay cache-friendly. */
const CHUNK_BYTES = 4 * 1024 * 1024;
const NEWLINE = 0x0a;

/**
 * Counts the words of the byte range `[start, end)` of the file at `path` into `table`, reading it
 * in 4 MB chunks so memory stays flat whatever the file size. Each chunk is cut after its last
 * newline and the partial line carried into the next read, so no token is split. The range should be
 * line-aligned (see `lineAlignedRanges`).
 *
 * @returns the number of tokens counted
 */
export function countWordsInFileRange(table: ByteCountTable, path: string, start: number, end: number): number {
  const fd = openSync(path, 'r');
  try {
    // Plain Uint8Array, not Buffer: the scan and the table then only ever see one array type, which
    // keeps V8's element accesses monomorphic in the hot loop.
    let buffer = new Uint8Array(CHUNK_BYTES);
    let carried = 0; // bytes of an unfinished line at the front of `buffer`
    let position = start;
    let tokens = 0;
    while (position < end) {
      if (carried === buffer.length) {
        // One line longer than the buffer: grow rather than cut it (a cut could split a token).
        const bigger = new Uint8Array(buffer.length * 2);
        bigger.set(buffer.subarray(0, carried));
        buffer = bigger;
      }
      const read = readSync(fd, buffer, carried, Math.min(buffer.length - carried, end - position), position);
      if (read === 0) break; // the file shrank under us; count what we have
      position += read;
      const filled = carried + read;
      const cut = position >= end ? filled : buffer.lastIndexOf(NEWLINE, filled - 1) + 1;
      tokens += countWords(table, buffer, 0, cut);
      carried = filled - cut;
      if (carried > 0) buffer.copyWithin(0, cut, filled);
    }
    if (carried > 0) tokens += countWords(table, buffer, 0, carried);
    return tokens;
  } finally {
    closeSync(fd);
  }
}

/**
 * Splits a file of `size` bytes into `parts` byte ranges that each end just after a newline (the
 * last one at `size`): each cut goes after the first newline at or after the byte before an even
 * split point (so a split point that already starts a line is kept). Ranges may be empty when lines
 * are longer than a part.
 */
export function lineAlignedRanges(path: string, size: number, parts: number): Array<[start: number, end: number]> {
  const fd = openSync(path, 'r');
  try {
    const probe = Buffer.allocUnsafe(64 * 1024);
    const bounds = [0];
    for (let k = 1; k < parts; k++) {
      let at = Math.max(Math.floor((size * k) / parts) - 1, bounds[k - 1]!);
      let boundary = size;
      while (at < size) {
        const read = readSync(fd, probe, 0, probe.length, at);
        const newline = probe.subarray(0, read).indexOf(NEWLINE);
        if (newline >= 0) {
          boundary = at + newline + 1;
          break;
        }
        if (read === 0) break;
        at += read;
      }
      bounds.push(boundary);
    }
    bounds.push(size);
    return bounds.slice(1).map((end, k) => [bounds[k]!, end]);
  } finally {
    closeSync(fd);
  }
}
