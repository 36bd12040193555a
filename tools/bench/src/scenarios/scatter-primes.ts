import type { BenchEntry, Check, Scenario, ScenarioContext, ScenarioResult } from '../scenario.js';
import { withBenchCluster } from '../cluster/bench-cluster.js';
import { isUnimplemented } from '../cluster/measure-job.js';
import { runScatter } from '../cluster/run-scatter.js';
import { PRIME_COUNTS } from './primes-baselines.js';

/**
 * Issue 7 scenario (e): the seed's CPU task as one Scatter call of `count-primes`, 8 items of
 * n = 2,000,000 (200,000 in quick mode, as the primes baselines), on 2 mappers with 1 worker thread
 * each, against the sequential Node baseline of the same run. Every count must be pi(n).
 */
export function createScatterPrimes(): Scenario {
  return {
    name: 'scatter-primes',
    description: 'Scatter of count-primes 8 x n on 2 mappers (1 worker thread each) vs sequential Node',
    async run(context: ScenarioContext): Promise<ScenarioResult> {
      const n = context.quick ? 200_000 : 2_000_000;
      const tasks = 8;
      const inputs = new Array<number>(tasks).fill(n);
      const entry: BenchEntry = { id: `scatter-primes/${tasks}x${n}`, description: `one Scatter call, ${tasks} x count-primes(${n}), 2 mappers x 1 thread`, runs: [] };
      const checks: Check[] = [];
      const expected = PRIME_COUNTS[n];
      const notAvailable = await withBenchCluster({ mappers: 2, reducers: 1 }, async (cluster) => {
        try {
          await runScatter(cluster.client, { function: 'count-primes', inputs: [1000, 1000] });
        } catch (error) {
          if (isUnimplemented(error)) return `Scatter answers UNIMPLEMENTED on this cluster (${String(error)})`;
          throw error;
        }
        for (let run = 1; run <= context.runs; run++) {
          context.log(`  ${entry.id} run ${run}/${context.runs}`);
          const outcome = await runScatter(cluster.client, { function: 'count-primes', inputs });
          const ok = outcome.failed === 0 && outcome.values.every((v) => v === expected);
          checks.push({ name: `${entry.id} run ${run}: every count is pi(${n}) = ${expected}`, ok, detail: ok ? `${tasks} items` : `got ${JSON.stringify(outcome.values)}, ${outcome.failed} failed` });
          entry.runs.push({ elapsedMs: outcome.wallMs, items: tasks });
        }
        return undefined;
      });
      if (notAvailable) return { entries: [], notAvailable };
      return {
        entries: [entry],
        ratios: [
          { name: '(e) scatter count-primes vs sequential Node (speedup)', numerator: entry.id, denominator: 'primes/node-sequential', metric: 'speedup', goal: { atLeast: 1.7 } },
          { name: '(e) scatter count-primes vs Node 2 worker threads (speedup)', numerator: entry.id, denominator: 'primes/node-threads-2', metric: 'speedup' },
        ],
        checks,
      };
    },
  };
}
