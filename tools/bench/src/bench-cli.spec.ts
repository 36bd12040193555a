import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBenchCli } from './bench-cli.js';
import type { BenchReport } from './report.js';
import type { Scenario } from './scenario.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'weft-bench-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A scenario that measures nothing real: it checks it got the corpus and reports fixed numbers. */
const fake: Scenario = {
  name: 'fake',
  description: 'a fake scenario',
  async run(context) {
    const size = (await stat(context.corpus.path)).size;
    return {
      entries: [
        { id: 'fake/slow', description: 'slow', runs: Array.from({ length: context.runs }, () => ({ elapsedMs: 200, bytes: size })) },
        { id: 'fake/fast', description: 'fast', runs: Array.from({ length: context.runs }, () => ({ elapsedMs: 100, bytes: size })) },
      ],
      ratios: [{ name: 'fast vs slow', numerator: 'fake/fast', denominator: 'fake/slow', metric: 'mbPerSecond', goal: { atLeast: 1.5 } }],
      checks: [{ name: 'corpus exists', ok: size === context.corpus.bytes, detail: `${size} bytes` }],
    };
  },
};

async function run(argv: string[], scenarios: Scenario[] = [fake]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runBenchCli(
    argv,
    { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) },
    { scenarios, workDir: join(dir, 'work'), corpusBytes: 50_000 },
  );
  return { code, stdout, stderr };
}

describe('runBenchCli', () => {
  it('runs the scenarios on a generated corpus and writes the JSON and Markdown reports', async () => {
    const out = join(dir, 'out');
    const { code, stdout, stderr } = await run(['--quick', '--json', '--runs', '3', '--out', out]);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as BenchReport;
    expect(report.mode).toBe('quick');
    expect(report.runs).toBe(3);
    expect(report.entries.map((e) => [e.id, e.runs.length])).toEqual([
      ['fake/slow', 3],
      ['fake/fast', 3],
    ]);
    expect(report.ratios[0]).toMatchObject({ value: 2, met: true });
    expect(report.checks).toEqual([{ name: 'corpus exists', ok: true, detail: expect.stringMatching(/^\d+ bytes$/) }]);
    const written = JSON.parse(await readFile(join(out, `${report.date}.json`), 'utf8')) as BenchReport;
    expect(written.entries).toHaveLength(2);
    expect(await readFile(join(out, `${report.date}.md`), 'utf8')).toContain('| fast vs slow |');
    expect(stderr).toContain('scenario fake: a fake scenario');
    expect(stderr).toContain(`report: ${join(out, `${report.date}.md`)}`);
  });

  it('prints Markdown by default and reuses the corpus', async () => {
    const { code, stdout, stderr } = await run(['--quick', '--out', join(dir, 'out2')]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^# Weft benchmark, \d{4}-\d\d-\d\d \(quick\)/);
    expect(stderr).toMatch(/corpus: \d+ bytes, \d+ lines \(reused\)/);
  });

  it('exits 1 when a scenario throws or a check fails, and still writes the report', async () => {
    const broken: Scenario = {
      name: 'broken',
      description: 'throws',
      run: () => Promise.reject(new Error('cluster did not start')),
    };
    const { code, stdout, stderr } = await run(['--quick', '--json', '--out', join(dir, 'out3')], [broken, fake]);
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as BenchReport;
    expect(report.scenarios[0]).toEqual({ name: 'broken', description: 'throws', error: 'cluster did not start' });
    expect(report.entries).toHaveLength(2);
    expect(stderr).toContain('bench: a scenario failed or a check did not pass');

    const failing: Scenario = { name: 'f', description: 'd', run: async () => ({ entries: [], checks: [{ name: 'c', ok: false, detail: 'x' }] }) };
    expect((await run(['--quick', '--out', join(dir, 'out4')], [failing])).code).toBe(1);
  });

  it.each([
    [['--runs', '0'], "option '--runs <n>' argument '0' is invalid. must be a positive integer"],
    [['--fast'], "unknown option '--fast'"],
  ])('exits 2 on usage error %j', async (argv, message) => {
    const { code, stderr } = await run(argv);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });

  it('--only runs just the named scenarios and refuses unknown names', async () => {
    const other: Scenario = { ...fake, name: 'other', run: () => Promise.reject(new Error('other must not run')) };
    const picked = await run(['--quick', '--json', '--only', 'fake', '--out', join(dir, 'only')], [fake, other]);
    expect(picked.code).toBe(0);
    expect((JSON.parse(picked.stdout) as BenchReport).scenarios.map((s) => s.name)).toEqual(['fake']);
    const bad = await run(['--quick', '--only', 'fake,nope'], [fake, other]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown scenario "nope"; known: fake, other');
  });

  it('prints usage on --help', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: weft-bench [options]');
    expect(stdout).toContain('--quick');
  });
});
