import type { BenchEntry, Check, Measurement, Scenario, ScenarioContext, ScenarioResult } from '../scenario.js';
import { withBenchCluster } from '../cluster/bench-cluster.js';
import { isUnimplemented } from '../cluster/measure-job.js';
import { percentile } from '../cluster/percentile.js';
import { runScatter } from '../cluster/run-scatter.js';

/**
 * Items in flight at once, cluster-wide: a caller's fan-out limit (the seed's semaphore). Per-item
 * latency includes the item's wait on its mapper, so it grows with this; on this machine 32 gave
 * about the same items/s as 256 with a much lower p99, and 10,000 (all at once) both less and ~1 s.
 */
const MAX_CONCURRENCY = 32;

/**
 * Issue 7 scenario (d): one Scatter call of 10,000 `echo` items (1,000 in quick mode) on 2 mappers,
 * at most 32 in flight, after one unmeasured warm-up call of the same size. Throughput is items over the call's wall time (request sent to summary
 * received); per-item latency is each item's `elapsed_ms` (first dispatch to answer, as the
 * coordinator measures it). Every value must come back equal to its input.
 */
export function createScatterEcho(): Scenario {
  return {
    name: 'scatter-echo',
    description: 'Scatter of echo items on 2 mappers: items/s and per-item latency',
    async run(context: ScenarioContext): Promise<ScenarioResult> {
      const items = context.quick ? 1_000 : 10_000;
      const inputs = Array.from({ length: items }, (_, i) => ({ i, text: `item ${i}` }));
      const entry: BenchEntry = {
        id: `scatter-echo/${items}-items`,
        description: `one Scatter call, ${items} echo items, max ${MAX_CONCURRENCY} in flight, 2 mappers`,
        runs: [],
      };
      const checks: Check[] = [];
      const notAvailable = await withBenchCluster({ mappers: 2, reducers: 1 }, async (cluster) => {
        try {
          await runScatter(cluster.client, { function: 'echo', inputs, maxConcurrency: MAX_CONCURRENCY });
        } catch (error) {
          if (isUnimplemented(error)) return `Scatter answers UNIMPLEMENTED on this cluster (${String(error)})`;
          throw error;
        }
        for (let run = 1; run <= context.runs; run++) {
          context.log(`  ${entry.id} run ${run}/${context.runs}`);
          const outcome = await runScatter(cluster.client, { function: 'echo', inputs, maxConcurrency: MAX_CONCURRENCY });
          const wrong = outcome.values.findIndex((v, i) => JSON.stringify(v) !== JSON.stringify(inputs[i]));
          checks.push({
            name: `${entry.id} run ${run}: every item echoed its input`,
            ok: wrong < 0 && outcome.failed === 0,
            detail: wrong < 0 && outcome.failed === 0 ? `${items} items` : `${outcome.failed} failed; item ${wrong} gave ${JSON.stringify(outcome.values[wrong])}`,
          });
          const measurement: Measurement = {
            elapsedMs: outcome.wallMs,
            items,
            metrics: { p50Ms: percentile(outcome.latenciesMs, 50), p99Ms: percentile(outcome.latenciesMs, 99), maxItemMs: percentile(outcome.latenciesMs, 100) },
          };
          entry.runs.push(measurement);
        }
        return undefined;
      });
      if (notAvailable) return { entries: [], notAvailable };
      return {
        entries: [entry],
        goals: [
          { name: '(d) scatter echo throughput', entry: entry.id, metric: 'itemsPerSecond', goal: { atLeast: 10_000 } },
          { name: '(d) scatter echo p99 per-item latency (ms)', entry: entry.id, metric: 'p99Ms', goal: { atMost: 10 } },
        ],
        checks,
      };
    },
  };
}
