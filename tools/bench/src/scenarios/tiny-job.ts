import { open } from 'node:fs/promises';
import type { BenchEntry, Check, Scenario, ScenarioContext, ScenarioResult } from '../scenario.js';
import { countWordsInBuffer } from '../baselines/node-single.ts';
import { withBenchCluster } from '../cluster/bench-cluster.js';
import { percentile } from '../cluster/percentile.js';

/** Size of the tiny job's input. */
const TINY_BYTES = 1024;

/**
 * Issue 7 scenario (f): a tiny job, the corpus's first whole lines up to 1 KB as inline records,
 * submitted, waited for and read back 200 times in a row (20 in quick mode) on 2 mappers and
 * 1 reducer: the latency of one job from SubmitJob to its last result, p50 and p99 per run of 200.
 * Every job's results must equal the baseline's counts of that input.
 */
export function createTinyJob(): Scenario {
  return {
    name: 'tiny-job',
    description: 'Tiny job (1 KB inline word count): submit-to-results latency',
    async run(context: ScenarioContext): Promise<ScenarioResult> {
      const jobs = context.quick ? 20 : 200;
      const records = await firstLines(context.corpus.path, TINY_BYTES);
      const text = records.join('\n');
      const expected = JSON.stringify([...countWordsInBuffer(Buffer.from(text)).toMap()].sort(([a], [b]) => (a < b ? -1 : 1)));
      const entry: BenchEntry = {
        id: 'tiny-job/1kb-inline',
        description: `${jobs} sequential jobs: SubmitJob(${records.length} inline lines, ${Buffer.byteLength(text)} bytes), wait, ReadResults`,
        runs: [],
      };
      const checks: Check[] = [];
      await withBenchCluster({ mappers: 2, reducers: 1 }, async (cluster) => {
        const once = async (): Promise<{ ms: number; answer: string }> => {
          const started = performance.now();
          const handle = await cluster.client.submit({ function: 'wordcount', inputs: [{ records }] });
          await handle.wait();
          const answer: Array<[string, unknown]> = [];
          for await (const record of handle.results()) answer.push([record.key, record.value]);
          const ms = performance.now() - started;
          return { ms, answer: JSON.stringify(answer.sort(([a], [b]) => (a < b ? -1 : 1))) };
        };
        await once(); // warm-up: connections and JIT, not measured
        const runs = Math.min(context.runs, 3);
        for (let run = 1; run <= runs; run++) {
          context.log(`  ${entry.id} run ${run}/${runs} (${jobs} jobs)`);
          const latencies: number[] = [];
          let wrong = 0;
          const started = performance.now();
          for (let i = 0; i < jobs; i++) {
            const { ms, answer } = await once();
            latencies.push(ms);
            if (answer !== expected) wrong += 1;
          }
          entry.runs.push({
            elapsedMs: performance.now() - started,
            items: jobs,
            metrics: { p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), maxJobMs: percentile(latencies, 100) },
          });
          checks.push({ name: `${entry.id} run ${run}: every job's results equal the baseline's counts`, ok: wrong === 0, detail: wrong === 0 ? `${jobs} jobs` : `${wrong} of ${jobs} jobs differ` });
        }
      });
      return {
        entries: [entry],
        goals: [
          { name: '(f) tiny job p50 submit-to-results (ms)', entry: entry.id, metric: 'p50Ms', goal: { atMost: 20 } },
          { name: '(f) tiny job p99 submit-to-results (ms)', entry: entry.id, metric: 'p99Ms', goal: { atMost: 50 } },
        ],
        checks,
      };
    },
  };
}

/** The file's first whole lines whose total (with newlines) stays within `bytes`. */
async function firstLines(path: string, bytes: number): Promise<string[]> {
  const file = await open(path);
  try {
    const buffer = Buffer.alloc(bytes * 4);
    const { bytesRead } = await file.read(buffer, 0, buffer.length, 0);
    const lines = buffer.subarray(0, bytesRead).toString('utf8').split('\n');
    const out: string[] = [];
    let size = 0;
    for (const line of lines.slice(0, -1)) {
      size += Buffer.byteLength(line) + 1;
      if (size > bytes) break;
      out.push(line);
    }
    return out;
  } finally {
    await file.close();
  }
}
