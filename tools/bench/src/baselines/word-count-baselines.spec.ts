import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCorpusText } from '@weft/corpus';
import { LESSON_PY } from '../paths.js';
import { referenceWordCount, TRICKY_TEXT } from './__fixtures__/reference-word-count.js';
import { countWordsInBuffer, countWordsInFile } from './node-single.js';
import { countWordsInFileThreaded } from './node-threads.js';
import { hasCommand } from '../scenarios/wordcount-baselines.js';

let dir: string;
let corpusPath: string;
let corpusText: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'weft-bench-wc-'));
  // A generated corpus with the tricky lines spliced in at the start, middle and end, so they land
  // in different worker ranges.
  const generated = generateCorpusText({ bytes: 400_000, seed: 12 });
  const middle = generated.indexOf('\n', generated.length >> 1) + 1;
  corpusText = `${TRICKY_TEXT}\n${generated.slice(0, middle)}${TRICKY_TEXT}\n${generated.slice(middle)}${TRICKY_TEXT}`;
  corpusPath = join(dir, 'corpus.txt');
  await writeFile(corpusPath, corpusText);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function total(counts: Map<string, number>): number {
  let sum = 0;
  for (const n of counts.values()) sum += n;
  return sum;
}

describe('word-count baselines give exactly the counts of text.lower().split()', () => {
  it('the reference itself splits like Python on the tricky cases', () => {
    const counts = referenceWordCount(TRICKY_TEXT);
    expect(counts.get('οδυσσευς')).toBe(1);
    expect(counts.get('σας')).toBe(1);
    expect(counts.get('σ')).toBe(1);
    expect(counts.get('i̇stanbul')).toBe(1);
    expect(counts.get('k')).toBe(2); // 'K' (Kelvin sign) and 'k' after U+2000
    expect(counts.get('x')).toBe(1);
    expect(counts.get('bom\ufeffword')).toBe(1);
    expect(counts.get('\ufeff')).toBe(1);
    expect(counts.get('carriage')).toBe(1);
  });

  it('node-single over a buffer', () => {
    const expected = referenceWordCount(TRICKY_TEXT);
    const result = countWordsInBuffer(new TextEncoder().encode(TRICKY_TEXT));
    expect(result.toMap()).toEqual(expected);
    expect(result.tokens).toBe(total(expected));
    expect(result.distinct).toBe(expected.size);
  });

  it('node-single over a file', () => {
    const expected = referenceWordCount(corpusText);
    const result = countWordsInFile(corpusPath);
    expect(result.toMap()).toEqual(expected);
    expect(result.tokens).toBe(total(expected));
    const top = [...expected].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 10);
    expect(result.top(10)).toEqual(top);
  });

  it.each([1, 2, 3])('node-threads with %i threads', async (threads) => {
    const result = await countWordsInFileThreaded(corpusPath, threads);
    expect(result.toMap()).toEqual(referenceWordCount(corpusText));
  });

  it('node-threads rejects a bad thread count', async () => {
    await expect(countWordsInFileThreaded(corpusPath, 0)).rejects.toThrow('threads must be a positive integer, got 0');
  });

  (hasCommand('python3') ? it : it.skip)('the lesson in Python (python3)', () => {
    const stdout = execFileSync('python3', [LESSON_PY, corpusPath, '--counts', '--processes', '2', '--top', '3'], {
      encoding: 'utf8',
    });
    const output = JSON.parse(stdout) as { counts: Record<string, number>; tokens: number; distinct: number; top: unknown };
    const expected = referenceWordCount(corpusText);
    expect(new Map(Object.entries(output.counts))).toEqual(expected);
    expect(output.tokens).toBe(total(expected));
    expect(output.distinct).toBe(expected.size);
    expect(output.top).toEqual(countWordsInFile(corpusPath).top(3));
  });
});

describe('WordCounts.top', () => {
  it('orders by count, then word, and handles n beyond the size', () => {
    const result = countWordsInBuffer(new TextEncoder().encode('b a c b a d b'));
    expect(result.top(2)).toEqual([
      ['b', 3],
      ['a', 2],
    ]);
    expect(result.top(10)).toEqual([
      ['b', 3],
      ['a', 2],
      ['c', 1],
      ['d', 1],
    ]);
    expect(result.top(0)).toEqual([]);
    expect(countWordsInBuffer(new Uint8Array(0)).top(3)).toEqual([]);
  });
});
