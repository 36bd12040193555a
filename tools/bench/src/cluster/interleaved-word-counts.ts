import type { TestCluster } from '@weft/testing';
import type { BenchEntry, Check, CorpusInfo, ScenarioContext } from '../scenario.js';
import { clusterPids, withBenchClusters, type BenchClusterOptions } from './bench-cluster.js';
import { jobMeasurement, measureJob, warmUpJob, type MeasuredJob } from './measure-job.js';
import { compareCounts, referenceCounts } from './reference-counts.js';

/** One cluster configuration of an interleaved comparison. */
export interface WordCountVariant {
  /** Entry id. */
  id: string;
  description: string;
  cluster: BenchClusterOptions;
  /** Reduce partitions of the job. */
  reducers: number;
  /** Extra checks on each run (e.g. spans arrived). */
  inspect?: (cluster: TestCluster, measured: MeasuredJob, run: number) => Promise<Check | undefined>;
}

/**
 * Runs the same file word count on several clusters that are all up at once, interleaving the
 * runs round-robin (run 1 on each, then run 2 on each, ...) so a noisy machine slows every variant
 * alike and their ratios compare like with like. Each round starts one variant later than the one
 * before (A B, then B A, ...), so no variant always runs first (or right after another's job).
 * Each cluster first runs one unmeasured warm-up job (`warmUpMs`). Each run's results are checked exactly.
 */
export async function interleavedWordCounts(
  context: ScenarioContext,
  corpus: CorpusInfo,
  variants: readonly WordCountVariant[],
  runs: number,
): Promise<{ entries: BenchEntry[]; checks: Check[] }> {
  const reference = referenceCounts(corpus.path);
  const entries: BenchEntry[] = variants.map((v) => ({ id: v.id, description: v.description, runs: [] }));
  const checks: Check[] = [];
  await withBenchClusters(
    variants.map((v) => v.cluster),
    async (clusters) => {
      const submit = (i: number) => () => clusters[i]!.client.submit({ function: 'wordcount', inputs: [{ file: corpus.path }], reducers: variants[i]!.reducers });
      const warmUpMs: number[] = [];
      for (let i = 0; i < variants.length; i++) {
        context.log(`  ${variants[i]!.id} warm-up`);
        warmUpMs.push(await warmUpJob(submit(i)));
      }
      for (let run = 1; run <= runs; run++) {
        for (let k = 0; k < variants.length; k++) {
          const i = (k + run - 1) % variants.length;
          const variant = variants[i]!;
          const cluster = clusters[i]!;
          context.log(`  ${variant.id} run ${run}/${runs}`);
          const measured = await measureJob(submit(i), () => clusterPids(cluster));
          entries[i]!.runs.push(jobMeasurement(measured, corpus.bytes, run === 1 ? warmUpMs[i] : undefined));
          const comparison = compareCounts(reference, measured.keys, measured.values);
          if (!comparison.ok || run === 1) checks.push({ name: `${variant.id} run ${run}: results equal the baseline's counts`, ...comparison });
          const extra = await variant.inspect?.(cluster, measured, run);
          if (extra) checks.push(extra);
        }
      }
    },
  );
  return { entries, checks };
}
