import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MachineDescription } from './machine.js';
import { renderMarkdown } from './render-markdown.js';
import type { BenchEntry, Check, CorpusInfo, GoalSpec, RatioSpec } from './scenario.js';
import { summarizeEntry, type EntrySummary } from './summarize.js';

/** A ratio with its value (null when an entry or metric is missing; `note` says why). */
export interface RatioResult extends RatioSpec {
  value: number | null;
  /** Whether the goal is met; absent when there is no goal or no value. */
  met?: boolean;
  note?: string;
}

/** An absolute goal with the entry's median (null when the entry or metric is missing). */
export interface GoalResult extends GoalSpec {
  value: number | null;
  met?: boolean;
  note?: string;
}

/** One scenario as the report lists it. */
export interface ScenarioOutcome {
  name: string;
  description: string;
  /** Why the scenario failed, if it did. */
  error?: string;
  /** Why the scenario could not measure (a missing feature), if so. */
  notAvailable?: string;
}

/** The whole report, as written to `<date>.json`. */
export interface BenchReport {
  /** UTC date of the run, YYYY-MM-DD: the report's file name. */
  date: string;
  startedAt: string;
  finishedAt: string;
  /**
   * 1-minute load average when the run finished (the machine's is taken at the start): on a shared
   * machine, a load well above the core count explains slow, widely spread numbers.
   */
  loadAverage1mAtEnd?: number;
  mode: 'full' | 'quick';
  /** Runs per entry requested (an entry may do fewer when a run is very slow). */
  runs: number;
  machine: MachineDescription;
  corpus: Omit<CorpusInfo, 'path'>;
  scenarios: ScenarioOutcome[];
  entries: Array<BenchEntry & { summary: EntrySummary }>;
  ratios: RatioResult[];
  /** Absolute goals (the ratio goals are in `ratios`). */
  goals: GoalResult[];
  checks: Check[];
}

/** What the runner collected, before summarising. */
export interface ReportInput {
  startedAt: Date;
  finishedAt: Date;
  loadAverage1mAtEnd?: number;
  mode: 'full' | 'quick';
  runs: number;
  machine: MachineDescription;
  corpus: CorpusInfo;
  scenarios: ScenarioOutcome[];
  entries: BenchEntry[];
  ratios: RatioSpec[];
  checks: Check[];
  goals?: GoalSpec[];
}

/** Summarises every entry (median/min/max) and evaluates the ratios between entries of this run. */
export function buildReport(input: ReportInput): BenchReport {
  const entries = input.entries.map((entry) => ({ ...entry, summary: summarizeEntry(entry) }));
  const byId = new Map(entries.map((e) => [e.id, e.summary]));
  const { path: _path, ...corpus } = input.corpus;
  return {
    date: input.startedAt.toISOString().slice(0, 10),
    startedAt: input.startedAt.toISOString(),
    finishedAt: input.finishedAt.toISOString(),
    ...(input.loadAverage1mAtEnd === undefined ? {} : { loadAverage1mAtEnd: input.loadAverage1mAtEnd }),
    mode: input.mode,
    runs: input.runs,
    machine: input.machine,
    corpus,
    scenarios: input.scenarios,
    entries,
    ratios: input.ratios.map((ratio) => evaluateRatio(ratio, byId)),
    goals: (input.goals ?? []).map((goal) => evaluateGoal(goal, byId)),
    checks: input.checks,
  };
}

/** Computes one ratio of medians; `speedup` (and `speedup:<time metric>`) compares times the other way round. */
export function evaluateRatio(ratio: RatioSpec, summaries: ReadonlyMap<string, EntrySummary>): RatioResult {
  const numerator = summaries.get(ratio.numerator);
  const denominator = summaries.get(ratio.denominator);
  if (!numerator || !denominator) {
    const missing = numerator ? ratio.denominator : ratio.numerator;
    return { ...ratio, value: null, note: `no entry ${missing} in this run` };
  }
  const speedup = ratio.metric === 'speedup' || ratio.metric.startsWith('speedup:');
  const metric = ratio.metric === 'speedup' ? 'elapsedMs' : speedup ? ratio.metric.slice('speedup:'.length) : ratio.metric;
  const top = numerator[metric]?.median;
  const bottom = denominator[metric]?.median;
  if (top === undefined || bottom === undefined || (speedup ? top : bottom) === 0) {
    return { ...ratio, value: null, note: `metric ${metric} missing or zero` };
  }
  const value = speedup ? bottom / top : top / bottom;
  const result: RatioResult = { ...ratio, value };
  if (ratio.goal) {
    result.met = meets(value, ratio.goal);
  }
  return result;
}

/** Evaluates an absolute goal on an entry's median. */
export function evaluateGoal(goal: GoalSpec, summaries: ReadonlyMap<string, EntrySummary>): GoalResult {
  const summary = summaries.get(goal.entry);
  if (!summary) return { ...goal, value: null, note: `no entry ${goal.entry} in this run` };
  const value = summary[goal.metric]?.median;
  if (value === undefined) return { ...goal, value: null, note: `metric ${goal.metric} missing` };
  return { ...goal, value, met: meets(value, goal.goal) };
}

function meets(value: number, goal: { atLeast?: number; atMost?: number }): boolean {
  return (goal.atLeast === undefined || value >= goal.atLeast) && (goal.atMost === undefined || value <= goal.atMost);
}

/**
 * Writes `<dir>/<date>.json` and `<dir>/<date>.md` (creating `dir`), replacing a report of the
 * same day, and returns both paths.
 */
export async function writeReport(report: BenchReport, dir: string): Promise<{ jsonPath: string; markdownPath: string }> {
  await mkdir(dir, { recursive: true });
  const jsonPath = join(dir, `${report.date}.json`);
  const markdownPath = join(dir, `${report.date}.md`);
  await writeFile(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(markdownPath, renderMarkdown(report));
  return { jsonPath, markdownPath };
}
