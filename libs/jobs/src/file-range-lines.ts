import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { InputPieces } from './definitions.js';

const newline = 0x0a;

/**
 * Bytes read at a time. Measured on a 256 MB word count (PROFILE.md): a buffer that stays in the
 * thread is refilled from the page cache at ~4 GB/s, where reading a 128 MiB split into a fresh
 * buffer first cost ~100-140 ms (most of it page faults) before the map could start.
 */
export const defaultPieceBytes = 4 << 20;

// One buffer per thread, reused by every range read on it: a piece is a view of it, valid until
// the next piece is taken (InputPieces' contract), and a map task reads one range at a time.
let threadBuffer: Buffer | undefined;

/**
 * The lines a split of a file owns, read piece by piece into one reused buffer: every line whose
 * first byte lies in [start, end). The first partial line belongs to the previous split (skipped
 * unless the byte before `start` ends a line) and the last line is read past `end` up to its
 * newline, so splits cut anywhere cover each line exactly once (Hadoop's LineRecordReader rule).
 * Each piece holds whole lines (it ends with '\n', except the file's last line when it has none);
 * a line longer than the piece size comes whole in a larger piece. Iterating again reads the file
 * again. Synchronous reads: meant for a worker thread, which has nothing else to do meanwhile.
 */
export class FileRangeLines implements InputPieces {
  private firstLine: number | undefined;

  constructor(
    readonly path: string,
    readonly start: number,
    readonly end: number,
    private readonly pieceBytes = defaultPieceBytes,
  ) {
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
      throw new RangeError(`file range [${start}, ${end}) of ${path} is not a valid byte range`);
    }
    if (!Number.isInteger(pieceBytes) || pieceBytes < 1) throw new RangeError(`pieceBytes must be a positive integer, got ${pieceBytes}`);
  }

  /** File offset of the first line this split owns (`end` or past it when it owns none). Reads the file the first time. */
  firstLineOffset(): number {
    if (this.firstLine === undefined) {
      const fd = openSync(this.path, 'r');
      try {
        this.firstLine = this.findFirstLine(fd);
      } finally {
        closeSync(fd);
      }
    }
    return this.firstLine;
  }

  *[Symbol.iterator](): Iterator<Uint8Array> {
    const fd = openSync(this.path, 'r');
    let buffer = takeBuffer(this.pieceBytes);
    try {
      const size = fstatSync(fd).size;
      const end = Math.min(this.end, size);
      this.firstLine ??= this.findFirstLine(fd);
      // buffer[0, filled) holds the file's bytes from `at`; every line in it starts at or after `at`.
      let at = this.firstLine;
      let filled = 0;
      while (at < end) {
        const read = at + filled < size ? readSync(fd, buffer, filled, buffer.length - filled, at + filled) : 0;
        filled += read;
        const eof = read === 0;
        // Lines starting at buffer index >= owned belong to the next split.
        const owned = end - at;
        if (owned <= filled) {
          // The line holding buffer[owned - 1] is this split's last: it ends at the first newline from there.
          const nl = buffer.subarray(0, filled).indexOf(newline, owned - 1);
          if (nl >= 0 || eof) {
            yield buffer.subarray(0, nl >= 0 ? nl + 1 : filled);
            return;
          }
        } else if (eof) {
          // The file's last line, without a newline.
          if (filled > 0) yield buffer.subarray(0, filled);
          return;
        }
        const cut = buffer.subarray(0, filled).lastIndexOf(newline) + 1;
        if (cut > 0) {
          yield buffer.subarray(0, cut);
          // The partial line after the last newline moves to the front.
          buffer.copyWithin(0, cut, filled);
          at += cut;
          filled -= cut;
          continue;
        }
        if (filled === buffer.length) {
          // One line fills the whole buffer: a bigger one holds it.
          const bigger = Buffer.allocUnsafe(buffer.length * 2);
          buffer.copy(bigger, 0, 0, filled);
          buffer = bigger;
        }
      }
    } finally {
      closeSync(fd);
      // A buffer grown for a long line is not kept.
      if (buffer.length === this.pieceBytes) threadBuffer = buffer;
    }
  }

  /** Offset of the first owned line: `start` when the byte before it is a newline (or start is 0), else just past the next newline (at most `end`). */
  private findFirstLine(fd: number): number {
    if (this.start === 0) return 0;
    const buffer = Buffer.allocUnsafe(Math.min(64 * 1024, this.pieceBytes));
    for (let position = this.start - 1; position < this.end;) {
      const read = readSync(fd, buffer, 0, Math.min(buffer.length, this.end - position), position);
      if (read === 0) break;
      const nl = buffer.subarray(0, read).indexOf(newline);
      if (nl >= 0) return position + nl + 1;
      position += read;
    }
    return this.end;
  }
}

function takeBuffer(bytes: number): Buffer {
  const buffer = threadBuffer?.length === bytes ? threadBuffer : Buffer.allocUnsafe(bytes);
  threadBuffer = undefined; // a second range read at once (never on a worker) gets its own
  return buffer;
}

/**
 * The bytes [from, to) of the lines the split [start, end) of `path` owns, by the same rule as
 * {@link FileRangeLines}, found asynchronously with small reads near both ends: for a process that
 * sends a split's lines elsewhere (the coordinator streaming them to a mapper) rather than reading
 * them on a worker thread. Empty (from = to) when the split owns no line.
 */
export async function fileRangeBounds(path: string, start: number, end: number): Promise<{ from: number; to: number }> {
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
    throw new RangeError(`file range [${start}, ${end}) of ${path} is not a valid byte range`);
  }
  const file = await open(path, 'r');
  try {
    const size = (await file.stat()).size;
    const last = Math.min(end, size);
    const buffer = Buffer.allocUnsafe(64 * 1024);
    /** Offset just past the first newline at or after `position` and before `limit`, or undefined. */
    const pastNewline = async (position: number, limit: number): Promise<number | undefined> => {
      while (position < limit) {
        const { bytesRead } = await file.read(buffer, 0, Math.min(buffer.length, limit - position), position);
        if (bytesRead === 0) return undefined;
        const nl = buffer.subarray(0, bytesRead).indexOf(newline);
        if (nl >= 0) return position + nl + 1;
        position += bytesRead;
      }
      return undefined;
    };
    // The first line whose first byte is in [start, end): a partial line at `start` is the previous split's.
    const from = start === 0 ? 0 : ((await pastNewline(start - 1, end)) ?? end);
    if (from >= last) return { from: last, to: last };
    // The split's last line runs on past `end` to its newline (or the end of the file).
    return { from, to: (await pastNewline(last - 1, size)) ?? size };
  } finally {
    await file.close();
  }
}
