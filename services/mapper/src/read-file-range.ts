import { open } from 'node:fs/promises';

const newline = 0x0a;
const extendStep = 64 * 1024;

/**
 * Reads the lines a split owns: every line whose first byte lies in [start, end). The first
 * partial line belongs to the previous split (skipped unless the byte before `start` ends a
 * line) and the last line is read past `end` up to its newline, so splits cut anywhere still
 * cover each line exactly once (Hadoop's LineRecordReader rule).
 * Returns the bytes and the file offset they start at. The bytes are a view into one buffer read
 * for this call alone (its spare room past the last line included, up to 64 KiB, and the skipped
 * partial line before it), so the caller may hand that whole buffer to another thread.
 */
export async function readFileRange(path: string, start: number, end: number): Promise<{ bytes: Uint8Array; offset: number }> {
  const file = await open(path, 'r');
  try {
    const size = (await file.stat()).size;
    end = Math.min(end, size);
    const from = start > 0 ? start - 1 : 0;
    // Room for the range and the usual rest of its last line: the last line is read into the same
    // buffer, never into chunks that a 64 MiB concat would join.
    let buffer = Buffer.allocUnsafe(Math.max(0, end - from) + extendStep);
    let length = (await file.read(buffer, 0, Math.max(0, end - from), from)).bytesRead;
    let begin = 0;
    if (start > 0) {
      const firstNewline = buffer.subarray(0, length).indexOf(newline);
      if (firstNewline < 0) return { bytes: new Uint8Array(0), offset: start };
      begin = firstNewline + 1;
    }
    if (length > begin && buffer[length - 1] !== newline) {
      for (let position = from + length; position < size;) {
        if (buffer.length - length < extendStep) {
          const bigger = Buffer.allocUnsafe(buffer.length * 2);
          buffer.copy(bigger, 0, 0, length);
          buffer = bigger;
        }
        const { bytesRead } = await file.read(buffer, length, extendStep, position);
        if (bytesRead === 0) break;
        const nl = buffer.subarray(length, length + bytesRead).indexOf(newline);
        if (nl >= 0) {
          length += nl + 1;
          break;
        }
        length += bytesRead;
        position += bytesRead;
      }
    }
    return { bytes: buffer.subarray(begin, length), offset: from + begin };
  } finally {
    await file.close();
  }
}
