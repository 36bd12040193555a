import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { referenceWordCount } from './__fixtures__/reference-word-count.js';
import { ByteCountTable } from './byte-count-table.js';
import { countWordsInFileRange, lineAlignedRanges } from './count-file-range.js';
import { countWordsInFile } from './node-single.js';
import { countWordsInFileThreaded } from './node-threads.js';
import { WordCounts } from './word-counts.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'weft-bench-range-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('lineAlignedRanges', () => {
  it('cuts just after newlines and covers the file exactly', async () => {
    const path = join(dir, 'lines.txt');
    const text = 'aaaa\nbb\ncccccc\nd\neeeeeeeee\n';
    await writeFile(path, text);
    const ranges = lineAlignedRanges(path, text.length, 3);
    expect(ranges).toEqual([
      [0, 15],
      [15, 27],
      [27, 27],
    ]);
    for (const [, end] of ranges) expect(text[end - 1]).toBe('\n');
  });

  it('keeps a split point that already starts a line', async () => {
    const path = join(dir, 'even.txt');
    await writeFile(path, 'aaaa\nbbbb\ncccc\n');
    expect(lineAlignedRanges(path, 15, 3)).toEqual([
      [0, 5],
      [5, 10],
      [10, 15],
    ]);
  });

  it('gives empty ranges when one line spans several parts, and handles a missing final newline', async () => {
    const path = join(dir, 'one-line.txt');
    await writeFile(path, 'x'.repeat(1000));
    expect(lineAlignedRanges(path, 1000, 3)).toEqual([
      [0, 1000],
      [1000, 1000],
      [1000, 1000],
    ]);
  });
});

describe('countWordsInFileRange', () => {
  it('counts a line longer than its 4 MB read buffer without splitting a token', async () => {
    const path = join(dir, 'long-line.txt');
    // ~4.6 MB on a single line, with a non-ASCII token now and then so both paths are exercised.
    const text = `${'Ab cd EF gh ij KL mn op qr st uv wx yz ÉCOLE '.repeat(100_000)}end\nlast LINE`;
    await writeFile(path, text);
    const expected = referenceWordCount(text);
    expect(countWordsInFile(path).toMap()).toEqual(expected);
    expect((await countWordsInFileThreaded(path, 2)).toMap()).toEqual(expected);
  });

  it('counts only the given byte range', async () => {
    const path = join(dir, 'range.txt');
    await writeFile(path, 'one two\nthree four\nfive\n');
    const table = new ByteCountTable();
    const tokens = countWordsInFileRange(table, path, 8, 19);
    expect(tokens).toBe(2);
    expect(new WordCounts(table, tokens).toMap()).toEqual(new Map([['three', 1], ['four', 1]]));
  });
});
