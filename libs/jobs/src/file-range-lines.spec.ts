import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FileRangeLines, fileRangeBounds } from './file-range-lines.js';

const dir = mkdtempSync(path.join(tmpdir(), 'weft-range-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const decoder = new TextDecoder();

/** The split's bytes, joined from its pieces (copied: a piece is valid only until the next). */
function bytesOf(split: FileRangeLines): { text: string; pieces: number } {
  const parts: Buffer[] = [];
  for (const piece of split) parts.push(Buffer.from(piece));
  return { text: decoder.decode(Buffer.concat(parts)), pieces: parts.length };
}

/** Reads a file as splits of `size` bytes (pieces of `pieceBytes`) and returns every line the splits produced, in order. */
function linesBySplits(file: string, total: number, size: number, pieceBytes?: number): string[] {
  const lines: string[] = [];
  for (let start = 0; start < total; start += size) {
    const { text } = bytesOf(new FileRangeLines(file, start, Math.min(total, start + size), pieceBytes));
    if (text.length > 0) lines.push(...text.replace(/\n$/, '').split('\n'));
  }
  return lines;
}

describe('FileRangeLines', () => {
  it('covers every line exactly once for every split and piece size, including splits inside lines and multi-byte characters', () => {
    const content = ['alpha beta', '', 'Straße ÉCOLE', 'x', 'a much longer line that spans several small splits for sure', 'Ὀδυσσεύς', 'last line without newline'].join('\n');
    const file = path.join(dir, 'lines.txt');
    writeFileSync(file, content);
    const total = Buffer.byteLength(content);
    const expected = content.split('\n');
    for (const size of [1, 2, 3, 5, 7, 11, 64, total]) {
      for (const pieceBytes of [1, 4, 16, 1 << 20]) expect(linesBySplits(file, total, size, pieceBytes)).toEqual(expected);
    }
  });

  it('gives whole lines in every piece, and a line longer than a piece whole in a larger one', () => {
    const long = 'y'.repeat(200_000);
    const content = ['short', long, 'z', `${long}é`, 'tail'].join('\n') + '\n';
    const file = path.join(dir, 'long-lines.txt');
    writeFileSync(file, content);
    const total = Buffer.byteLength(content);
    for (const size of [1000, 70_000, 150_000, total]) {
      for (const pieceBytes of [7, 4096, 1 << 20]) expect(linesBySplits(file, total, size, pieceBytes)).toEqual(content.slice(0, -1).split('\n'));
    }
    const seen: string[] = [];
    for (const piece of new FileRangeLines(file, 0, total, 4096)) {
      expect(piece.at(-1)).toBe(0x0a);
      seen.push(decoder.decode(piece));
    }
    expect(seen.join('')).toBe(content);
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(bytesOf(new FileRangeLines(file, 3, 10, 1024)).text).toBe(`${long}\n`);
  });

  it('reads the file again when iterated again', () => {
    const file = path.join(dir, 'again.txt');
    writeFileSync(file, 'one\ntwo\nthree\n');
    const split = new FileRangeLines(file, 0, 14, 5);
    expect(bytesOf(split)).toEqual({ text: 'one\ntwo\nthree\n', pieces: 3 });
    expect(bytesOf(split).text).toBe('one\ntwo\nthree\n');
  });

  it('finds the file offset where the split\'s first owned line starts', () => {
    const file = path.join(dir, 'offsets.txt');
    writeFileSync(file, 'aaaa\nbbbb\ncccc\n');
    const cases: Array<[number, number, string, number]> = [
      [0, 3, 'aaaa\n', 0],
      [3, 8, 'bbbb\n', 5],
      [5, 6, 'bbbb\n', 5],
      [6, 9, '', 9],
      [12, 100, '', 15],
    ];
    for (const [start, end, text, offset] of cases) {
      const split = new FileRangeLines(file, start, end);
      expect([bytesOf(split).text, split.firstLineOffset()]).toEqual([text, offset]);
    }
  });

  it('rejects a range that is not one, and fails like fs for a missing file', () => {
    expect(() => new FileRangeLines('x', 5, 4)).toThrow(/not a valid byte range/);
    expect(() => new FileRangeLines('x', -1, 4)).toThrow(/not a valid byte range/);
    expect(() => bytesOf(new FileRangeLines(path.join(dir, 'missing.txt'), 0, 10))).toThrow(/ENOENT/);
  });
});

describe('fileRangeBounds', () => {
  it('bounds exactly the bytes FileRangeLines reads, for every range of files with and without a final newline', async () => {
    const contents = ['ab\n\ncd ef\nÉté\r\nlast', 'one\ntwo\n', '\n\n\n', 'no newline at all', 'x\n'];
    for (const [i, content] of contents.entries()) {
      const file = path.join(dir, `bounds-${i}.txt`);
      writeFileSync(file, content);
      const bytes = Buffer.from(content);
      const mismatches: string[] = [];
      for (let start = 0; start <= bytes.length + 2; start++) {
        for (let end = start; end <= bytes.length + 2; end++) {
          const { from, to } = await fileRangeBounds(file, start, end);
          const read = Buffer.from(bytesOf(new FileRangeLines(file, start, end, 4)).text);
          if (!bytes.subarray(from, to).equals(read)) mismatches.push(`[${start}, ${end}) -> [${from}, ${to}) vs ${JSON.stringify(read.toString())}`);
        }
      }
      expect({ content, mismatches }).toEqual({ content, mismatches: [] });
    }
  });

  it('cuts a file into ranges that cover it exactly once, however the splits fall', async () => {
    const content = Array.from({ length: 300 }, (_, i) => 'w'.repeat(i % 17) + String(i)).join('\n');
    const file = path.join(dir, 'bounds-cover.txt');
    writeFileSync(file, content);
    const total = Buffer.byteLength(content);
    for (const size of [1, 7, 100, 1000, total]) {
      let covered = 0;
      for (let start = 0; start < total; start += size) {
        const { from, to } = await fileRangeBounds(file, start, start + size);
        if (from === to) continue;
        expect(from).toBe(covered);
        covered = to;
      }
      expect(covered).toBe(total);
    }
  });

  it('rejects a range that is not one, and fails like fs for a missing file', async () => {
    await expect(fileRangeBounds('x', 5, 4)).rejects.toThrow(/not a valid byte range/);
    await expect(fileRangeBounds(path.join(dir, 'missing.txt'), 0, 10)).rejects.toThrow(/ENOENT/);
  });
});
