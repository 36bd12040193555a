import { LESSON_PY, NODE_BASELINE_ENTRY } from '../paths.js';
import type { BenchEntry, Check, RatioSpec, Scenario, ScenarioContext, ScenarioResult } from '../scenario.js';
import { measureChild, type ChildWorkload } from './measure-child.js';
import { hasCommand } from './wordcount-baselines.js';

/** Options of the prime-counting baselines. */
export interface PrimesBaselineOptions {
  /** Count primes below this; default 2,000,000 (issue 7), 200,000 in quick mode. */
  n?: number;
  /** How many tasks of `n`; default 8. */
  tasks?: number;
  /** Worker threads of the threaded baseline; default 2. */
  threads?: number;
  /**
   * Runs of the Python baseline, at most `context.runs`; default 1 in full mode (one run takes about
   * a minute there), every run in quick mode. 0 skips it.
   */
  pythonRuns?: number;
}

/** Known prime counts, to check every answer (baselines and the scatter scenario): pi(n) for the sizes the bench uses. */
export const PRIME_COUNTS: Readonly<Record<number, number>> = { 1_000: 168, 10_000: 1_229, 100_000: 9_592, 200_000: 17_984, 1_000_000: 78_498, 2_000_000: 148_933 };

/**
 * The seed's CPU-bound task, `tasks` x count-primes-below-`n` by trial division: Node sequential,
 * Node on worker threads (the target of scatter scenario (e)), and the seed's Python sequentially.
 */
export function createPrimesBaselines(options: PrimesBaselineOptions = {}): Scenario {
  return {
    name: 'primes',
    description: 'Prime-counting baselines (trial division, the seed cpu_bound_task)',
    async run(context: ScenarioContext): Promise<ScenarioResult> {
      const n = options.n ?? (context.quick ? 200_000 : 2_000_000);
      const tasks = options.tasks ?? 8;
      const threads = options.threads ?? 2;
      const pythonRuns = Math.min(options.pythonRuns ?? (context.quick ? context.runs : 1), context.runs);
      const node = (baseline: string, ...extra: string[]): ChildWorkload => ({
        command: process.execPath,
        args: [NODE_BASELINE_ENTRY, baseline, String(n), String(tasks), ...extra],
        items: tasks,
        timing: 'self',
      });
      const plan = [
        { id: 'primes/node-sequential', description: `Node, ${tasks} x primes below ${n}, one after the other`, workload: node('primes-sequential'), runs: context.runs },
        { id: `primes/node-threads-${threads}`, description: `Node, the same on ${threads} worker_threads`, workload: node('primes-threads', String(threads)), runs: context.runs },
        {
          id: 'primes/python-sequential',
          description: `the seed's Python, ${tasks} x primes below ${n}, sequentially`,
          workload: { command: 'python3', args: [LESSON_PY, '--primes', String(n), '--tasks', String(tasks)], items: tasks, timing: 'self' as const },
          runs: hasCommand('python3') ? pythonRuns : 0,
        },
      ].filter((p) => p.runs > 0);
      const entries: BenchEntry[] = plan.map((p) => ({ id: p.id, description: p.description, runs: [] }));
      const answers: Array<{ who: string; counts: unknown }> = [];
      for (let run = 1; run <= context.runs; run++) {
        for (const [index, step] of plan.entries()) {
          if (run > step.runs) continue;
          context.log(`  ${step.id} run ${run}/${step.runs}`);
          const { measurement, output } = await measureChild(step.workload);
          entries[index]!.runs.push(measurement);
          answers.push({ who: `${step.id} run ${run}`, counts: output['counts'] });
          if (run === 1) entries[index]!.result = { n, tasks, counts: output['counts'] };
        }
      }
      const ratios: RatioSpec[] = [
        { name: `Node ${threads} threads vs sequential`, numerator: `primes/node-threads-${threads}`, denominator: 'primes/node-sequential', metric: 'speedup' },
        { name: 'Node sequential vs Python sequential', numerator: 'primes/node-sequential', denominator: 'primes/python-sequential', metric: 'speedup' },
      ].filter((r) => entries.some((e) => e.id === r.denominator));
      return { entries, ratios, checks: [answerCheck(answers, n, tasks)] };
    },
  };
}

function answerCheck(answers: ReadonlyArray<{ who: string; counts: unknown }>, n: number, tasks: number): Check {
  const expected = PRIME_COUNTS[n];
  const name = `prime counts are right (pi(${n})${expected === undefined ? ', all baselines agree' : ` = ${expected}`})`;
  const want = JSON.stringify(new Array(tasks).fill(expected ?? (answers[0]?.counts as number[] | undefined)?.[0]));
  const wrong = answers.find((a) => JSON.stringify(a.counts) !== want);
  return wrong
    ? { name, ok: false, detail: `${wrong.who} gave ${JSON.stringify(wrong.counts)}, expected ${want}` }
    : { name, ok: true, detail: `${answers.length} runs checked` };
}
