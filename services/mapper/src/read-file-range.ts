import { open } from 'node:fs/promises';

const newline = 0x0a;
const extendStep = 64 * 1024;

/**
 * Reads the lines a split owns: every line whose first byte lies in [start, end). The first
 * partial line belongs to the previous split (skipped unless the byte before `start` ends a
 * line) and the last line is read past `end` up to its newline, so splits cut anywhere still
 * cover each line exactly once (Hadoop's LineRecordReader rule).
 * Returns the bytes and the file offset they start at.
 */
export async function readFileRange(path: string, start: number, end: number): Promise<{ bytes: Uint8Array; offset: number }> {
  const file = await open(path, 'r');
  try {
    const size = (await file.stat()).size;
    end = Math.min(end, size);
    const from = start > 0 ? start - 1 : 0;
    const head = Buffer.allocUnsafe(Math.max(0, end - from));
    const { bytesRead } = await file.read(head, 0, head.length, from);
    let body = head.subarray(0, bytesRead);
    let begin = 0;
    if (start > 0) {
      const firstNewline = body.indexOf(newline);
      if (firstNewline < 0) return { bytes: new Uint8Array(0), offset: start };
      begin = firstNewline + 1;
    }
    const tail: Buffer[] = [];
    let position = from + body.length;
    if (body.length > begin && body[body.length - 1] !== newline) {
      while (position < size) {
        const chunk = Buffer.allocUnsafe(extendStep);
        const { bytesRead: n } = await file.read(chunk, 0, chunk.length, position);
        if (n === 0) break;
        const nl = chunk.subarray(0, n).indexOf(newline);
        if (nl >= 0) {
          tail.push(chunk.subarray(0, nl + 1));
          break;
        }
        tail.push(chunk.subarray(0, n));
        position += n;
      }
    }
    body = body.subarray(begin);
    const bytes = tail.length === 0 ? body : Buffer.concat([body, ...tail]);
    return { bytes, offset: from + begin };
  } finally {
    await file.close();
  }
}
