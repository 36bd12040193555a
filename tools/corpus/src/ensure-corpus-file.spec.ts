import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CORPUS_GENERATOR_VERSION, ensureCorpusFile } from './ensure-corpus-file.js';
import { generateCorpusText } from './generate-corpus.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'weft-ensure-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('ensureCorpusFile', () => {
  it('generates once, then reuses the file while the sidecar matches', async () => {
    const path = join(dir, 'a.txt');
    const first = await ensureCorpusFile(path, { bytes: 100_000, seed: 4 });
    expect(first.reused).toBe(false);
    expect(await readFile(path, 'utf8')).toBe(generateCorpusText({ bytes: 100_000, seed: 4 }));
    const meta = JSON.parse(await readFile(`${path}.meta.json`, 'utf8'));
    expect(meta).toEqual({
      generator: 'weft-corpus',
      version: CORPUS_GENERATOR_VERSION,
      options: { bytes: 100_000, seed: 4 },
      bytes: first.bytes,
      lines: first.lines,
    });
    // Poison the content without changing its size: a reuse must not read or rewrite it.
    await writeFile(path, 'x'.repeat(first.bytes));
    const second = await ensureCorpusFile(path, { bytes: 100_000, seed: 4 });
    expect(second).toEqual({ bytes: first.bytes, lines: first.lines, reused: true });
    expect(await readFile(path, 'utf8')).toBe('x'.repeat(first.bytes));
  });

  it('regenerates when the options, the size on disk or the sidecar differ', async () => {
    const path = join(dir, 'b.txt');
    await ensureCorpusFile(path, { bytes: 50_000 });
    expect((await ensureCorpusFile(path, { bytes: 50_000, seed: 5 })).reused).toBe(false);
    expect((await ensureCorpusFile(path, { bytes: 60_000, seed: 5 })).reused).toBe(false);
    await truncate(path, 100);
    expect((await ensureCorpusFile(path, { bytes: 60_000, seed: 5 })).reused).toBe(false);
    expect(await readFile(path, 'utf8')).toBe(generateCorpusText({ bytes: 60_000, seed: 5 }));
    await writeFile(`${path}.meta.json`, '{ not json');
    expect((await ensureCorpusFile(path, { bytes: 60_000, seed: 5 })).reused).toBe(false);
    await rm(path);
    expect((await ensureCorpusFile(path, { bytes: 60_000, seed: 5 })).reused).toBe(false);
    expect((await ensureCorpusFile(path, { bytes: 60_000, seed: 5 })).reused).toBe(true);
  });
});
