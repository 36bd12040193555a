import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBench } from '../run-bench.js';
import { createPrimesBaselines } from './primes-baselines.js';
import { createWordCountBaselines, hasCommand } from './wordcount-baselines.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'weft-bench-scenarios-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('baseline scenarios, end to end on a small corpus', () => {
  it('measure every baseline in child processes, agree on the answers and compute the ratios', async () => {
    const python = hasCommand('python3');
    const outcome = await runBench({
      quick: true,
      workDir: join(dir, 'work'),
      outDir: join(dir, 'results'),
      corpusBytes: 200_000,
      scenarios: [createWordCountBaselines(), createPrimesBaselines({ n: 10_000, tasks: 4 })],
    });
    expect(outcome.report.scenarios.map((s) => s.error)).toEqual([undefined, undefined]);
    expect(outcome.report.checks.map((c) => [c.name, c.ok])).toEqual([
      ['word-count baselines agree exactly (tokens, distinct words, top 10)', true],
      ['prime counts are right (pi(10000) = 1229)', true],
    ]);
    const ids = outcome.report.entries.map((e) => e.id);
    expect(ids).toEqual(
      expect.arrayContaining(['wordcount/node-single', 'wordcount/node-threads-2', 'primes/node-sequential', 'primes/node-threads-2']),
    );
    if (python) expect(ids).toEqual(expect.arrayContaining(['wordcount/python-lesson', 'primes/python-sequential']));
    for (const entry of outcome.report.entries) {
      expect(entry.runs).toHaveLength(1);
      expect(entry.summary['elapsedMs']!.median).toBeGreaterThan(0);
      expect(entry.summary['peakRssMb']!.median).toBeGreaterThan(0);
    }
    const single = outcome.report.entries.find((e) => e.id === 'wordcount/node-single')!;
    expect(single.runs[0]!.bytes).toBe(outcome.report.corpus.bytes);
    expect((single.result as { top: Array<[string, number]> }).top[0]![0]).toBe('the');
    const threadsRatio = outcome.report.ratios.find((r) => r.name === '2 threads vs 1 thread')!;
    expect(threadsRatio.value).toBeGreaterThan(0);
    expect(outcome.ok).toBe(true);
  }, 60_000);
});
