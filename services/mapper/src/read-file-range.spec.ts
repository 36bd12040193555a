import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readFileRange } from './read-file-range.js';

const dir = mkdtempSync(path.join(tmpdir(), 'weft-range-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const decoder = new TextDecoder();

/** Reads a file as splits of `size` bytes and returns every line the splits produced, in order. */
async function linesBySplits(file: string, total: number, size: number): Promise<string[]> {
  const lines: string[] = [];
  for (let start = 0; start < total; start += size) {
    const { bytes } = await readFileRange(file, start, Math.min(total, start + size));
    const text = decoder.decode(bytes);
    if (text.length > 0) lines.push(...text.replace(/\n$/, '').split('\n'));
  }
  return lines;
}

describe('readFileRange', () => {
  it('covers every line exactly once for every split size, including splits inside lines and multi-byte characters', async () => {
    const content = ['alpha beta', '', 'Straße ÉCOLE', 'x', 'a much longer line that spans several small splits for sure', 'Ὀδυσσεύς', 'last line without newline'].join('\n');
    const file = path.join(dir, 'lines.txt');
    writeFileSync(file, content);
    const total = Buffer.byteLength(content);
    const expected = content.split('\n');
    for (const size of [1, 2, 3, 5, 7, 11, 64, total]) {
      expect(await linesBySplits(file, total, size)).toEqual(expected);
    }
  });

  it('reads a last line that runs far past the split end (longer than its spare room)', async () => {
    const long = 'y'.repeat(200_000);
    const content = ['short', long, 'z', `${long}é`, 'tail'].join('\n') + '\n';
    const file = path.join(dir, 'long-lines.txt');
    writeFileSync(file, content);
    const total = Buffer.byteLength(content);
    for (const size of [1000, 70_000, 150_000, total]) {
      expect(await linesBySplits(file, total, size)).toEqual(content.slice(0, -1).split('\n'));
    }
    const { bytes, offset } = await readFileRange(file, 3, 10);
    expect(decoder.decode(bytes)).toBe(`${long}\n`);
    expect(offset).toBe(6);
  });

  it('returns the file offset where the split\'s first owned line starts', async () => {
    const file = path.join(dir, 'offsets.txt');
    writeFileSync(file, 'aaaa\nbbbb\ncccc\n');
    expect(await readFileRange(file, 0, 3)).toEqual({ bytes: Buffer.from('aaaa\n'), offset: 0 });
    expect(await readFileRange(file, 3, 8)).toEqual({ bytes: Buffer.from('bbbb\n'), offset: 5 });
    expect(await readFileRange(file, 5, 6)).toEqual({ bytes: Buffer.from('bbbb\n'), offset: 5 });
    expect((await readFileRange(file, 6, 9)).bytes.byteLength).toBe(0);
  });
});
