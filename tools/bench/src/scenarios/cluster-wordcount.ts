import type { BenchEntry, Check, Scenario, ScenarioContext, ScenarioResult } from '../scenario.js';
import { AlongsideBaselines } from '../cluster/alongside-baselines.js';
import { clusterPids, withBenchCluster } from '../cluster/bench-cluster.js';
import { jobMeasurement, measureJob, warmUpJob } from '../cluster/measure-job.js';
import { compareCounts, referenceCounts } from '../cluster/reference-counts.js';
import { clusterRuns } from '../cluster/scenario-corpus.js';

/** Entry id of scenario (a). */
export const CLUSTER_WORDCOUNT_ENTRY = 'wordcount-cluster/2-mappers-2-reducers';

/**
 * Issue 7 scenario (a): word count of the shared corpus from a file on a real local cluster
 * (2 mappers and 2 reducers, 1 worker thread each), end to end: SubmitJob to the last result record
 * read, after one unmeasured warm-up job (`warmUpMs`). The goals' baselines (2 worker threads, the
 * lesson's Python) run again right after each cluster run (`AlongsideBaselines`). Peak memory is the sum over every process of the cluster, sampled. Every run's results
 * must equal the baseline's counts exactly.
 */
export function createClusterWordCount(): Scenario {
  return {
    name: 'wordcount-cluster',
    description: 'Word count of the corpus file on a local cluster (2 mappers, 2 reducers), submit to last result read',
    async run(context: ScenarioContext): Promise<ScenarioResult> {
      const { path, bytes } = context.corpus;
      context.log('  reference counts (the Node baseline, in-process)');
      const reference = referenceCounts(path);
      const entry: BenchEntry = {
        id: CLUSTER_WORDCOUNT_ENTRY,
        description: 'SubmitJob(file) on coordinator + gateway + 2 mappers + 2 reducers (1 thread each), wait, ReadResults',
        runs: [],
      };
      const checks: Check[] = [];
      const alongside = new AlongsideBaselines('wordcount-cluster', ['node-threads', 'python-lesson'], context.corpus);
      await withBenchCluster({ mappers: 2, reducers: 2 }, async (cluster) => {
        const runs = clusterRuns(context);
        const submit = () => cluster.client.submit({ function: 'wordcount', inputs: [{ file: path }], reducers: 2 });
        context.log(`  ${entry.id} warm-up`);
        const warmUpMs = await warmUpJob(submit);
        for (let run = 1; run <= runs; run++) {
          context.log(`  ${entry.id} run ${run}/${runs}`);
          const measured = await measureJob(submit, () => clusterPids(cluster));
          entry.runs.push(jobMeasurement(measured, bytes, run === 1 ? warmUpMs : undefined));
          checks.push({ name: `${entry.id} run ${run}: results equal the baseline's counts`, ...compareCounts(reference, measured.keys, measured.values) });
          entry.result ??= { distinct: measured.keys.length, counters: Object.fromEntries(Object.entries(measured.job.counters).map(([k, v]) => [k, Number(v)])) };
          await alongside.runOnce(context, run, runs);
        }
      });
      const python = alongside.has('python-lesson') ? alongside.id('python-lesson') : 'wordcount/python-lesson';
      return {
        entries: [entry, ...alongside.entries],
        ratios: [
          { name: '(a) cluster vs Node 2 worker threads, run alongside (throughput)', numerator: entry.id, denominator: alongside.id('node-threads'), metric: 'mbPerSecond', goal: { atLeast: 0.85 } },
          { name: "(a) cluster vs the lesson's Python, run alongside (throughput)", numerator: entry.id, denominator: python, metric: 'mbPerSecond', goal: { atLeast: 3 } },
          { name: '(a) cluster vs Node 2 worker threads of the baselines scenario (throughput)', numerator: entry.id, denominator: 'wordcount/node-threads-2', metric: 'mbPerSecond' },
          { name: "(a) cluster vs the lesson's Python of the baselines scenario (throughput)", numerator: entry.id, denominator: 'wordcount/python-lesson', metric: 'mbPerSecond' },
          { name: "(a) cluster total peak RSS vs the lesson's Python", numerator: entry.id, denominator: 'wordcount/python-lesson', metric: 'peakRssMb', goal: { atMost: 1 } },
          { name: '(a) cluster vs Node 1 thread (throughput)', numerator: entry.id, denominator: 'wordcount/node-single', metric: 'mbPerSecond' },
        ],
        checks,
      };
    },
  };
}
