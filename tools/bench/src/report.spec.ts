import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeMachine } from './machine.js';
import { renderMarkdown } from './render-markdown.js';
import { buildReport, evaluateRatio, writeReport, type ReportInput } from './report.js';

const MB = 1024 * 1024;

function input(): ReportInput {
  return {
    startedAt: new Date('2026-11-27T10:00:00Z'),
    finishedAt: new Date('2026-11-27T10:05:00Z'),
    loadAverage1mAtEnd: 1.5,
    mode: 'full',
    runs: 3,
    machine: describeMachine(),
    corpus: { path: '/tmp/c.txt', bytes: 256 * MB, lines: 1000, seed: 42 },
    scenarios: [{ name: 'wordcount', description: 'baselines' }, { name: 'cluster', description: 'x', error: 'gateway did not start' }],
    entries: [
      { id: 'wordcount/one', description: 'one thread', runs: [1000, 1100, 900].map((ms) => ({ elapsedMs: ms, bytes: 100 * MB })) },
      { id: 'wordcount/two', description: 'two threads', runs: [500, 600, 400].map((ms) => ({ elapsedMs: ms, bytes: 100 * MB })) },
      { id: 'primes/slow', description: 'slow tasks', runs: [{ elapsedMs: 11_000, items: 8 }] },
    ],
    ratios: [
      { name: 'two vs one', numerator: 'wordcount/two', denominator: 'wordcount/one', metric: 'mbPerSecond', goal: { atLeast: 1.5 } },
      { name: 'speedup', numerator: 'wordcount/two', denominator: 'wordcount/one', metric: 'speedup', goal: { atLeast: 3 } },
      { name: 'vs missing', numerator: 'wordcount/two', denominator: 'cluster/a', metric: 'mbPerSecond' },
    ],
    checks: [{ name: 'counts agree', ok: true, detail: 'all equal' }],
  };
}

describe('buildReport', () => {
  it('summarises entries and evaluates ratios of medians against their goals', () => {
    const report = buildReport(input());
    expect(report.date).toBe('2026-11-27');
    expect(report.corpus).toEqual({ bytes: 256 * MB, lines: 1000, seed: 42 });
    expect(report.entries[0]!.summary['mbPerSecond']!.median).toBeCloseTo(100);
    const [throughput, speedup, missing] = report.ratios;
    expect(throughput!.value).toBeCloseTo(2);
    expect(throughput!.met).toBe(true);
    expect(speedup!.value).toBeCloseTo(2);
    expect(speedup!.met).toBe(false);
    expect(missing).toMatchObject({ value: null, note: 'no entry cluster/a in this run' });
  });
});

describe('evaluateRatio', () => {
  it('reports a missing metric instead of dividing by nothing', () => {
    const summaries = new Map([['a', { elapsedMs: { median: 1, min: 1, max: 1 } }], ['b', { elapsedMs: { median: 2, min: 2, max: 2 } }]]);
    expect(evaluateRatio({ name: 'r', numerator: 'a', denominator: 'b', metric: 'mbPerSecond' }, summaries)).toMatchObject({
      value: null,
      note: 'metric mbPerSecond missing or zero',
    });
    expect(evaluateRatio({ name: 'r', numerator: 'a', denominator: 'b', metric: 'elapsedMs', goal: { atMost: 0.6 } }, summaries)).toMatchObject({
      value: 0.5,
      met: true,
    });
  });

  it('speedup:<metric> compares that time metric the other way round', () => {
    const summaries = new Map([
      ['two', { jobMs: { median: 600, min: 500, max: 700 }, elapsedMs: { median: 800, min: 800, max: 800 } }],
      ['one', { jobMs: { median: 1200, min: 1100, max: 1300 }, elapsedMs: { median: 1400, min: 1400, max: 1400 } }],
    ]);
    expect(evaluateRatio({ name: 'r', numerator: 'two', denominator: 'one', metric: 'speedup:jobMs' }, summaries).value).toBeCloseTo(2);
    expect(evaluateRatio({ name: 'r', numerator: 'two', denominator: 'one', metric: 'speedup' }, summaries).value).toBeCloseTo(1.75);
    expect(evaluateRatio({ name: 'r', numerator: 'two', denominator: 'one', metric: 'speedup:readMs' }, summaries)).toMatchObject({ value: null, note: 'metric readMs missing or zero' });
  });
});

describe('renderMarkdown and writeReport', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-bench-report-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('renders the tables, goals, failures and checks', () => {
    const markdown = renderMarkdown(buildReport(input()));
    expect(markdown).toContain('# Weft benchmark, 2026-11-27 (full)');
    expect(markdown).toContain('- Corpus: 256.0 MB, 1,000 lines, seed 42');
    expect(markdown).toContain('finished 2026-11-27T10:05:00.000Z (1-minute load average then: 1.5).');
    expect(markdown).toContain('| wordcount/one | one thread | 100.0 (90.9-111.1) MB/s | 1,000 (900-1,100) |  |  | 3 |');
    expect(markdown).toContain('| two vs one | wordcount/two / wordcount/one | mbPerSecond | 2.00x | >= 1.5x met |');
    expect(markdown).toContain('| speedup | wordcount/two / wordcount/one | speedup | 2.00x | >= 3x **not met** |');
    expect(markdown).toContain('n/a (no entry cluster/a in this run)');
    expect(markdown).toContain('- **Scenario cluster failed:** gateway did not start\n\n## Results');
    expect(markdown).toContain('- PASS counts agree: all equal');
    // small rates keep two decimals instead of rounding to 0 or 1
    expect(markdown).toContain('| 0.73 items/s |');
  });

  it('writes <date>.json and <date>.md', async () => {
    const report = buildReport(input());
    const { jsonPath, markdownPath } = await writeReport(report, join(dir, 'results'));
    expect(jsonPath).toBe(join(dir, 'results', '2026-11-27.json'));
    expect(JSON.parse(await readFile(jsonPath, 'utf8'))).toEqual(JSON.parse(JSON.stringify(report)));
    expect(await readFile(markdownPath, 'utf8')).toBe(renderMarkdown(report));
  });
});

describe('goals and unavailable scenarios', () => {
  it('evaluates absolute goals and lists every goal and "not available" scenario in the Markdown', () => {
    const base = input();
    const report = buildReport({
      ...base,
      scenarios: [...base.scenarios, { name: 'upload', description: 'y', notAvailable: 'UploadJob answers UNIMPLEMENTED' }],
      goals: [
        { name: '(g) fast enough', entry: 'wordcount/two', metric: 'mbPerSecond', goal: { atLeast: 150 } },
        { name: '(f) p99', entry: 'cluster/tiny', metric: 'p99Ms', goal: { atMost: 50 } },
      ],
    });
    expect(report.goals[0]).toMatchObject({ value: 200, met: true });
    expect(report.goals[1]).toMatchObject({ value: null, note: 'no entry cluster/tiny in this run' });
    const markdown = renderMarkdown(report);
    expect(markdown).toContain('- Scenario upload: not available: UploadJob answers UNIMPLEMENTED');
    expect(markdown).toContain('| (g) fast enough | 200 mbPerSecond | >= 150 mbPerSecond | met |');
    expect(markdown).toContain('| two vs one | 2.00x | >= 1.5x | met |');
  });
});
