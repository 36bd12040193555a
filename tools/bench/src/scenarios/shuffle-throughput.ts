import { Phase } from '@weft/client';
import type { BenchEntry, Check, Scenario, ScenarioContext, ScenarioResult } from '../scenario.js';
import { BENCH_JOBS_MODULE } from '../paths.js';
import { withBenchCluster } from '../cluster/bench-cluster.js';
import { counter, warmUpJob } from '../cluster/measure-job.js';
import { watchPhase } from '../cluster/phase-times.js';
import { clusterRuns, scenarioCorpus } from '../cluster/scenario-corpus.js';

/** Input of the shuffle job in full runs: every byte of it is shuffled. */
const SHUFFLE_CORPUS_BYTES = 64 * 1024 * 1024;

/**
 * Issue 7 scenario (g): shuffle throughput from one mapper to one reducer. The bench's own job
 * `bench-shuffle` (loaded by every node through WEFT_FUNCTION_MODULES) sends every input line whole
 * to the reducer; throughput is the job's `shuffle.bytes` counter over the reduce phase (first
 * reduce attempt started to the reduce task succeeded, from WatchJob events): fetch from the mapper,
 * merge, decode and a tiny reduce, after one unmeasured warm-up job (`warmUpMs`). The line counts
 * per bucket must add up to the corpus's lines.
 */
export function createShuffleThroughput(): Scenario {
  return {
    name: 'shuffle',
    description: 'Shuffle throughput, 1 mapper to 1 reducer (bench-shuffle job: every line shuffled whole)',
    async run(context: ScenarioContext): Promise<ScenarioResult> {
      const corpus = await scenarioCorpus(context, SHUFFLE_CORPUS_BYTES);
      const entry: BenchEntry = {
        id: 'shuffle/1-mapper-1-reducer',
        description: `bench-shuffle over a ${(corpus.bytes / 1024 / 1024).toFixed(0)} MB file: shuffle.bytes / reduce phase time`,
        runs: [],
      };
      const checks: Check[] = [];
      await withBenchCluster({ mappers: 1, reducers: 1, env: { WEFT_FUNCTION_MODULES: BENCH_JOBS_MODULE } }, async (cluster) => {
        const runs = clusterRuns(context);
        context.log(`  ${entry.id} warm-up`);
        const warmUpMs = await warmUpJob(() => cluster.client.submit({ function: 'bench-shuffle', inputs: [{ file: corpus.path }], reducers: 1 }));
        for (let run = 1; run <= runs; run++) {
          context.log(`  ${entry.id} run ${run}/${runs}`);
          const started = performance.now();
          const handle = await cluster.client.submit({ function: 'bench-shuffle', inputs: [{ file: corpus.path }], reducers: 1 });
          const window = await watchPhase(handle, Phase.REDUCE);
          const jobMs = performance.now() - started;
          const job = await handle.get();
          let lines = 0;
          for await (const record of handle.results()) lines += Number(record.value);
          const shuffleBytes = counter(job, 'shuffle.bytes');
          if (!window) throw new Error(`job ${handle.id}: WatchJob showed no reduce task events`);
          entry.runs.push({
            elapsedMs: window.endMs - window.startMs,
            bytes: shuffleBytes,
            metrics: { jobMs, shuffleMb: shuffleBytes / (1024 * 1024), ...(run === 1 ? { warmUpMs } : {}) },
          });
          const ok = lines === corpus.lines && shuffleBytes >= corpus.bytes;
          checks.push({
            name: `${entry.id} run ${run}: every line shuffled once`,
            ok,
            detail: `${lines} lines counted (corpus: ${corpus.lines}), ${shuffleBytes} bytes shuffled (input: ${corpus.bytes})`,
          });
        }
      });
      return {
        entries: [entry],
        goals: [{ name: '(g) shuffle throughput, 1 mapper to 1 reducer (MB/s)', entry: entry.id, metric: 'mbPerSecond', goal: { atLeast: 150 } }],
        checks,
      };
    },
  };
}
