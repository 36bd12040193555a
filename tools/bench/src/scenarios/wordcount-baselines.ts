import { existsSync } from 'node:fs';
import { LESSON_PY, NODE_BASELINE_ENTRY } from '../paths.js';
import type { BenchEntry, Check, Scenario, ScenarioContext, ScenarioResult } from '../scenario.js';
import { measureChild, type ChildRun, type ChildWorkload } from './measure-child.js';

/** Options of the word-count baselines. */
export interface WordCountBaselineOptions {
  /** Worker threads of the threaded Node baseline and processes of the Python one; default 2 (issue 7). */
  parallelism?: number;
  /** Include `wc -w` and `awk` when they are installed; default true. */
  systemTools?: boolean;
  /** Include the lesson's Python algorithm when `python3` is installed; default true. */
  python?: boolean;
}

// mawk/gawk: the shell one-liner a user would reach for. Its tolower is ASCII-only in mawk, so its
// distinct count is not checked against the others.
const AWK_PROGRAM =
  '{ $0 = tolower($0); for (i = 1; i <= NF; i++) c[$i]++ } ' +
  'END { for (w in c) { n++; t += c[w] } printf "{\\"distinct\\":%d,\\"tokens\\":%d}\\n", n, t }';

/**
 * The word-count baselines of issue 7 on the shared corpus: `wc -w` (tokenizing only, the floor),
 * the fast single-thread Node count, the same on worker threads, awk, and the lesson's Python
 * map-reduce. Runs are interleaved round-robin, so machine noise hits every entry alike and the
 * ratios compare like with like. Checks that the Node and Python answers agree exactly.
 */
export function createWordCountBaselines(options: WordCountBaselineOptions = {}): Scenario {
  const { parallelism = 2, systemTools = true, python = true } = options;
  return {
    name: 'wordcount',
    description: 'Word-count baselines (lesson semantics: text.lower().split()) on the generated corpus',
    async run(context: ScenarioContext): Promise<ScenarioResult> {
      const { path, bytes } = context.corpus;
      const node = (baseline: string, ...args: string[]): ChildWorkload => ({
        command: process.execPath,
        args: [NODE_BASELINE_ENTRY, baseline, path, ...args],
        bytes,
        timing: 'self',
      });
      const candidates: Array<{ id: string; description: string; workload: ChildWorkload; available: boolean; compare: boolean }> = [
        {
          id: 'wordcount/wc-w',
          description: '`wc -w` (tokenizing only, no counting: the floor)',
          workload: { command: 'wc', args: ['-w', path], bytes, timing: 'wall' },
          available: systemTools && hasCommand('wc'),
          compare: false,
        },
        {
          id: 'wordcount/node-single',
          description: 'Node, 1 thread: byte scan, in-place ASCII lower-case, byte-keyed hash table',
          workload: node('wordcount-single'),
          available: true,
          compare: true,
        },
        {
          id: `wordcount/node-threads-${parallelism}`,
          description: `Node, ${parallelism} worker_threads over line-aligned byte ranges, counts merged`,
          workload: wordCountBaselineWorkload('node-threads', path, bytes, parallelism),
          available: true,
          compare: true,
        },
        {
          id: 'wordcount/awk',
          description: 'awk one-liner (tolower, count fields)',
          workload: { command: 'awk', args: [AWK_PROGRAM, path], bytes, timing: 'wall' },
          available: systemTools && hasCommand('awk'),
          compare: false,
        },
        {
          id: 'wordcount/python-lesson',
          description: `the lesson's Python map-reduce: Pool(${parallelism}) over line chunks, dicts merged by functools.reduce`,
          workload: wordCountBaselineWorkload('python-lesson', path, bytes, parallelism),
          available: python && hasCommand('python3'),
          compare: true,
        },
      ];
      const active = candidates.filter((c) => c.available);
      const outputs = new Map<string, ChildRun['output'][]>();
      const entries: BenchEntry[] = active.map((c) => ({ id: c.id, description: c.description, runs: [] }));
      for (let run = 1; run <= context.runs; run++) {
        for (const [index, candidate] of active.entries()) {
          context.log(`  ${candidate.id} run ${run}/${context.runs}`);
          const { measurement, output } = await measureChild(candidate.workload);
          entries[index]!.runs.push(measurement);
          outputs.set(candidate.id, [...(outputs.get(candidate.id) ?? []), output]);
        }
      }
      entries.forEach((entry) => (entry.result = resultSample(outputs.get(entry.id)![0]!)));
      const reference = `wordcount/node-single`;
      const ratios = [
        { name: `${parallelism} threads vs 1 thread`, numerator: `wordcount/node-threads-${parallelism}`, denominator: reference, metric: 'mbPerSecond' },
        { name: 'lesson Python vs fast Node, 1 thread', numerator: 'wordcount/python-lesson', denominator: reference, metric: 'mbPerSecond' },
        { name: `lesson Python vs Node, ${parallelism} threads`, numerator: 'wordcount/python-lesson', denominator: `wordcount/node-threads-${parallelism}`, metric: 'mbPerSecond' },
        { name: 'fast Node, 1 thread vs wc -w', numerator: reference, denominator: 'wordcount/wc-w', metric: 'mbPerSecond' },
      ].filter((r) => outputs.has(r.numerator) && outputs.has(r.denominator));
      const compared = active.filter((c) => c.compare).map((c) => [c.id, outputs.get(c.id)!] as const);
      return { entries, ratios, checks: [agreementCheck(compared)] };
    },
  };
}

/**
 * The child-process workload of one word-count baseline of {@link createWordCountBaselines} on the
 * corpus at `path`, for scenarios that run it again right beside their own runs.
 */
export function wordCountBaselineWorkload(kind: 'node-threads' | 'python-lesson', path: string, bytes: number, parallelism = 2): ChildWorkload {
  return kind === 'node-threads'
    ? { command: process.execPath, args: [NODE_BASELINE_ENTRY, 'wordcount-threads', path, String(parallelism)], bytes, timing: 'self' }
    : { command: 'python3', args: [LESSON_PY, path, '--processes', String(parallelism)], bytes, timing: 'self' };
}

/** The part of a child's output worth keeping in the report (not timings, which are in the runs). */
function resultSample(output: Record<string, unknown>): unknown {
  if ('stdout' in output) return { output: output['stdout'] };
  const { tokens, distinct, top } = output;
  return { tokens, distinct, top };
}

/** Every run of every compared entry must give the same tokens, distinct count and top words. */
function agreementCheck(compared: ReadonlyArray<readonly [string, ReadonlyArray<Record<string, unknown>>]>): Check {
  const name = 'word-count baselines agree exactly (tokens, distinct words, top 10)';
  const fingerprints = compared.flatMap(([id, runs]) =>
    runs.map((o, i) => ({ who: `${id} run ${i + 1}`, key: JSON.stringify([o['tokens'], o['distinct'], o['top']]) })),
  );
  const first = fingerprints[0];
  const odd = fingerprints.filter((f) => f.key !== first?.key);
  if (!first) return { name, ok: false, detail: 'nothing to compare' };
  if (odd.length > 0) return { name, ok: false, detail: `${odd[0]!.who} gave ${odd[0]!.key}, ${first.who} gave ${first.key}` };
  const [tokens, distinct] = JSON.parse(first.key) as [number, number];
  return { name, ok: true, detail: `${compared.map(([id]) => id).join(', ')}: ${tokens} tokens, ${distinct} distinct` };
}

/** Whether an executable is on PATH (the baselines that need it are skipped when it is not). */
export function hasCommand(command: string): boolean {
  return (process.env['PATH'] ?? '').split(':').some((dir) => dir && existsSync(`${dir}/${command}`));
}
