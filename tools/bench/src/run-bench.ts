import { mkdir } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { ensureCorpusFile } from '@weft/corpus';
import { describeMachine } from './machine.js';
import { DEFAULT_WORK_DIR, RESULTS_DIR } from './paths.js';
import { buildReport, writeReport, type BenchReport } from './report.js';
import type { BenchEntry, Check, GoalSpec, RatioSpec, Scenario, ScenarioContext } from './scenario.js';
import { defaultScenarios } from './scenarios/index.js';

/** Corpus size of a full run: 256 MB, as in issue 7's baseline table. */
export const FULL_CORPUS_BYTES = 256 * 1024 * 1024;
/** Corpus size of a `--quick` run. */
export const QUICK_CORPUS_BYTES = 4 * 1024 * 1024;
/** Seed of the benchmark corpus. */
export const CORPUS_SEED = 42;

/** Options of `runBench`; every field has a default that depends on `quick`. */
export interface RunBenchOptions {
  /** Small inputs and one run per entry. */
  quick: boolean;
  /** Runs per entry; default 5 (1 when quick). */
  runs?: number;
  /** Where the report goes; default `tools/bench/results` (quick runs: `<workDir>/results`, kept out of git). */
  outDir?: string;
  /** Scratch directory for the corpus; default `tools/bench/work`. */
  workDir?: string;
  /** Corpus size in bytes; default 256 MB (4 MB when quick). */
  corpusBytes?: number;
  /** What to run; default `defaultScenarios()`. */
  scenarios?: Scenario[];
  /** Progress lines; default none. */
  log?: (line: string) => void;
}

/** What a bench run produced. */
export interface BenchOutcome {
  report: BenchReport;
  jsonPath: string;
  markdownPath: string;
  /** False when a scenario failed or a check did not pass. */
  ok: boolean;
}

/**
 * Runs every scenario on a shared generated corpus (reused between runs, see `ensureCorpusFile`)
 * and writes the report. A failing scenario is recorded in the report and does not stop the others.
 */
export async function runBench(options: RunBenchOptions): Promise<BenchOutcome> {
  const { quick, log = () => {} } = options;
  const runs = options.runs ?? (quick ? 1 : 5);
  if (!Number.isInteger(runs) || runs < 1) throw new RangeError(`runs must be a positive integer, got ${runs}`);
  const workDir = options.workDir ?? DEFAULT_WORK_DIR;
  const outDir = options.outDir ?? (quick ? join(workDir, 'results') : RESULTS_DIR);
  const corpusBytes = options.corpusBytes ?? (quick ? QUICK_CORPUS_BYTES : FULL_CORPUS_BYTES);
  const startedAt = new Date();
  const machine = describeMachine();

  await mkdir(workDir, { recursive: true });
  const path = join(workDir, `corpus-${corpusBytes}-seed${CORPUS_SEED}.txt`);
  log(`corpus: ${path}`);
  const corpusInfo = await ensureCorpusFile(path, { bytes: corpusBytes, seed: CORPUS_SEED });
  log(`corpus: ${corpusInfo.bytes} bytes, ${corpusInfo.lines} lines${corpusInfo.reused ? ' (reused)' : ''}`);
  const context: ScenarioContext = {
    quick,
    runs,
    workDir,
    corpus: { path, bytes: corpusInfo.bytes, lines: corpusInfo.lines, seed: CORPUS_SEED },
    log,
  };

  const entries: BenchEntry[] = [];
  const ratios: RatioSpec[] = [];
  const checks: Check[] = [];
  const goals: GoalSpec[] = [];
  const scenarios: BenchReport['scenarios'] = [];
  for (const scenario of options.scenarios ?? defaultScenarios()) {
    log(`scenario ${scenario.name}: ${scenario.description}`);
    const scenarioStarted = performance.now();
    try {
      const result = await scenario.run(context);
      entries.push(...result.entries);
      ratios.push(...(result.ratios ?? []));
      checks.push(...(result.checks ?? []));
      goals.push(...(result.goals ?? []));
      if (result.notAvailable !== undefined) log(`scenario ${scenario.name} not available: ${result.notAvailable}`);
      scenarios.push({
        name: scenario.name,
        description: scenario.description,
        ...(result.notAvailable === undefined ? {} : { notAvailable: result.notAvailable }),
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      log(`scenario ${scenario.name} failed: ${message}`);
      scenarios.push({ name: scenario.name, description: scenario.description, error: message });
    }
    log(`scenario ${scenario.name}: ${((performance.now() - scenarioStarted) / 1000).toFixed(1)} s`);
  }
  const report = buildReport({
    startedAt,
    finishedAt: new Date(),
    loadAverage1mAtEnd: Number(loadavg()[0]!.toFixed(2)),
    mode: quick ? 'quick' : 'full',
    runs,
    machine,
    corpus: context.corpus,
    scenarios,
    entries,
    ratios,
    checks,
    goals,
  });
  const written = await writeReport(report, outDir);
  const ok = scenarios.every((s) => s.error === undefined) && checks.every((c) => c.ok);
  return { report, ...written, ok };
}
