import { createReadStream } from 'node:fs';
import type { BenchEntry, Check, Scenario, ScenarioContext, ScenarioResult } from '../scenario.js';
import { AlongsideBaselines } from '../cluster/alongside-baselines.js';
import { clusterPids, withBenchCluster } from '../cluster/bench-cluster.js';
import { isUnimplemented, jobMeasurement, measureJob, warmUpJob } from '../cluster/measure-job.js';
import { compareCounts, referenceCounts } from '../cluster/reference-counts.js';
import { clusterRuns } from '../cluster/scenario-corpus.js';

/**
 * Issue 7 scenario (b): scenario (a) with the input streamed through `UploadJob` (1 MiB chunks
 * read from the corpus file by the client) instead of a path the mappers read. Timed from the
 * first byte sent to the last result read, after one unmeasured warm-up upload (`warmUpMs`). The
 * goal's baseline (2 worker threads) runs again right after each upload (`AlongsideBaselines`). Reports "not available" when the cluster does not
 * implement UploadJob.
 */
export function createClusterUpload(): Scenario {
  return {
    name: 'wordcount-upload',
    description: 'Word count of the corpus streamed through UploadJob (2 mappers, 2 reducers), upload start to last result read',
    async run(context: ScenarioContext): Promise<ScenarioResult> {
      const { path, bytes } = context.corpus;
      const reference = referenceCounts(path);
      const entry: BenchEntry = {
        id: 'wordcount-upload/2-mappers-2-reducers',
        description: 'UploadJob (client streams the file in 1 MiB chunks) on 2 mappers + 2 reducers (1 thread each), wait, ReadResults',
        runs: [],
      };
      const checks: Check[] = [];
      const alongside = new AlongsideBaselines('wordcount-upload', ['node-threads'], context.corpus);
      const notAvailable = await withBenchCluster({ mappers: 2, reducers: 2 }, async (cluster) => {
        const runs = clusterRuns(context);
        const upload = () => cluster.client.upload({ function: 'wordcount', inputs: [], reducers: 2 }, createReadStream(path, { highWaterMark: 1 << 20 }));
        let warmUpMs: number;
        try {
          context.log(`  ${entry.id} warm-up`);
          warmUpMs = await warmUpJob(upload);
        } catch (error) {
          if (isUnimplemented(error)) return `UploadJob answers UNIMPLEMENTED on this cluster (${String(error)})`;
          throw error;
        }
        for (let run = 1; run <= runs; run++) {
          context.log(`  ${entry.id} run ${run}/${runs}`);
          const measured = await measureJob(upload, () => clusterPids(cluster));
          entry.runs.push(jobMeasurement(measured, bytes, run === 1 ? warmUpMs : undefined));
          checks.push({ name: `${entry.id} run ${run}: results equal the baseline's counts`, ...compareCounts(reference, measured.keys, measured.values) });
          await alongside.runOnce(context, run, runs);
        }
        return undefined;
      });
      if (notAvailable) return { entries: [], notAvailable };
      return {
        entries: [entry, ...alongside.entries],
        ratios: [
          { name: '(b) UploadJob vs Node 2 worker threads, run alongside (throughput)', numerator: entry.id, denominator: alongside.id('node-threads'), metric: 'mbPerSecond', goal: { atLeast: 0.5 } },
          { name: '(b) UploadJob vs Node 2 worker threads of the baselines scenario (throughput)', numerator: entry.id, denominator: 'wordcount/node-threads-2', metric: 'mbPerSecond' },
          { name: '(b) UploadJob vs files (a) (throughput)', numerator: entry.id, denominator: 'wordcount-cluster/2-mappers-2-reducers', metric: 'mbPerSecond' },
        ],
        checks,
      };
    },
  };
}
