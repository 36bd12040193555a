import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_LINE_BYTES } from './corpus-writer.js';
import {
  fileSeed,
  generateCorpusChunks,
  generateCorpusFile,
  generateCorpusFiles,
  generateCorpusText,
} from './generate-corpus.js';
import { SPECIAL_WORDS } from './vocabulary.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'weft-corpus-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('generateCorpusText', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const a = generateCorpusText({ bytes: 200_000, seed: 7 });
    expect(generateCorpusText({ bytes: 200_000, seed: 7 })).toBe(a);
    expect(generateCorpusText({ bytes: 200_000, seed: 8 })).not.toBe(a);
    expect(generateCorpusText({ bytes: 200_000 })).toBe(generateCorpusText({ bytes: 200_000, seed: 42 }));
  });

  it('is a prefix-stable stream: a smaller corpus is a prefix of a larger one with the same seed', () => {
    const small = generateCorpusText({ bytes: 10_000 });
    const large = generateCorpusText({ bytes: 100_000 });
    expect(large.startsWith(small)).toBe(true);
  });

  it.each([1, 999, 65_536, 1_000_003])('writes %i bytes plus less than one line, ending with a newline', (bytes) => {
    const text = generateCorpusText({ bytes });
    const size = Buffer.byteLength(text, 'utf8');
    expect(size).toBeGreaterThanOrEqual(bytes);
    expect(size).toBeLessThan(bytes + MAX_LINE_BYTES);
    expect(text.endsWith('\n')).toBe(true);
  });

  it('returns an empty string for 0 bytes', () => {
    expect(generateCorpusText({ bytes: 0 })).toBe('');
  });

  it('rejects invalid options with messages naming the option', () => {
    expect(() => generateCorpusText({ bytes: -1 })).toThrow('options.bytes must be a non-negative integer, got -1');
    expect(() => generateCorpusText({ bytes: 1.5 })).toThrow('options.bytes must be a non-negative integer, got 1.5');
    expect(() => generateCorpusText({ bytes: 10, seed: 0.5 })).toThrow('options.seed must be an integer, got 0.5');
    expect(() => generateCorpusText({ bytes: 2 ** 30 })).toThrow(/^options.bytes 1073741824 is too large for one string \(max \d+\); use generateCorpusFile$/);
  });

  it('produces valid UTF-8 exercising case, punctuation, non-ASCII words and odd whitespace', () => {
    const text = generateCorpusText({ bytes: 2_000_000, seed: 3 });
    const bytes = Buffer.from(text, 'utf8');
    // Round-trips exactly, so no replacement characters were produced from broken sequences.
    expect(new TextDecoder('utf-8', { fatal: true }).decode(bytes)).toBe(text);
    expect(text).toMatch(/(^|\s)[A-Z][a-z]+/m);
    expect(text).toMatch(/\b[A-Z]{2,}\b/);
    expect(text).toMatch(/[a-z][,.;:!?]\s/);
    expect(text).toMatch(/"[a-z]+"/i);
    expect(text).toMatch(/\([a-z0-9]+\)/i);
    expect(text).toMatch(/\d+/);
    expect(text).toContain('  ');
    expect(text).toContain('\t');
    expect(text).toContain('\u00a0');
    expect(text).toContain('\u3000');
    expect(text).toContain('\n\n');
    for (const word of SPECIAL_WORDS) expect(text).toContain(word);
    const lineLengths = text.split('\n').map((l) => l.length);
    expect(Math.max(...lineLengths)).toBeGreaterThan(80);
    expect(new Set(lineLengths).size).toBeGreaterThan(50);
  });

  it('follows a Zipf rank distribution over tens of thousands of words', () => {
    const text = generateCorpusText({ bytes: 4_000_000, seed: 11 });
    const counts = new Map<string, number>();
    let total = 0;
    for (const token of text.toLowerCase().split(/\s+/)) {
      const word = token.replace(/[^a-z]/g, '');
      if (!word) continue;
      counts.set(word, (counts.get(word) ?? 0) + 1);
      total++;
    }
    const ranked = [...counts.entries()].sort((a, b) => b[1] - a[1]);
    expect(ranked.slice(0, 3).map(([w]) => w)).toEqual(['the', 'of', 'and']);
    expect(counts.size).toBeGreaterThan(20_000);
    // Zipf with exponent 1: frequency(rank r) ~ frequency(1) / r.
    const top = ranked[0]![1];
    expect(top / total).toBeGreaterThan(0.06);
    expect(top / total).toBeLessThan(0.12);
    expect(ranked[9]![1]).toBeGreaterThan(top / 10 / 1.5);
    expect(ranked[9]![1]).toBeLessThan((top / 10) * 1.5);
    expect(ranked[99]![1]).toBeGreaterThan(top / 100 / 1.5);
    expect(ranked[99]![1]).toBeLessThan((top / 100) * 1.5);
  });
});

describe('generateCorpusChunks', () => {
  it('yields chunks of whole lines that concatenate to the text, whatever the chunk size', () => {
    const options = { bytes: 300_000, seed: 5 };
    const parts: Buffer[] = [];
    let lines = 0;
    for (const { chunk, lines: n } of generateCorpusChunks(options, 10_000)) {
      expect(chunk[chunk.length - 1]).toBe(0x0a);
      parts.push(Buffer.from(chunk));
      lines += n;
    }
    expect(parts.length).toBeGreaterThan(10);
    const text = generateCorpusText(options);
    expect(Buffer.concat(parts).toString('utf8')).toBe(text);
    expect(lines).toBe(text.split('\n').length - 1);
  });
});

describe('generateCorpusFile', () => {
  it('writes the same bytes as generateCorpusText and reports size and lines', async () => {
    const path = join(dir, 'one.txt');
    const info = await generateCorpusFile(path, { bytes: 500_000, seed: 9 });
    const content = await readFile(path, 'utf8');
    expect(content).toBe(generateCorpusText({ bytes: 500_000, seed: 9 }));
    expect(info.bytes).toBe(Buffer.byteLength(content));
    expect(info.lines).toBe(content.split('\n').length - 1);
    expect((await readdir(dir)).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});

describe('generateCorpusFiles', () => {
  it('splits the bytes across files with different content', async () => {
    const sub = join(dir, 'many', 'nested');
    const paths = await generateCorpusFiles(sub, { bytes: 300_001, seed: 1, files: 3 });
    expect(paths).toEqual(['corpus-000.txt', 'corpus-001.txt', 'corpus-002.txt'].map((f) => join(sub, f)));
    const contents = await Promise.all(paths.map((p) => readFile(p, 'utf8')));
    expect(new Set(contents).size).toBe(3);
    contents.forEach((content, i) => {
      expect(Buffer.byteLength(content)).toBeGreaterThanOrEqual(100_000);
      expect(Buffer.byteLength(content)).toBeLessThan(100_001 + MAX_LINE_BYTES);
      expect(content).toBe(generateCorpusText({ bytes: i === 0 ? 100_001 : 100_000, seed: fileSeed(1, i) }));
    });
  });

  it('rejects a non-positive file count', async () => {
    await expect(generateCorpusFiles(dir, { bytes: 10, files: 0 })).rejects.toThrow(
      'options.files must be a positive integer, got 0',
    );
  });
});
