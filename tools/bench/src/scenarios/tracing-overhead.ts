import type { Scenario, ScenarioContext, ScenarioResult } from '../scenario.js';
import { interleavedWordCounts } from '../cluster/interleaved-word-counts.js';
import { clusterRuns, scenarioCorpus } from '../cluster/scenario-corpus.js';

/** Corpus of the tracing scenario in full runs: a quarter of the shared one (two clusters take turns). */
const TRACING_CORPUS_BYTES = 64 * 1024 * 1024;

/**
 * Runs per variant: twice the other cluster scenarios'. A 5% effect on a ~2 s job is inside this
 * machine's run-to-run spread (3 runs each gave 0.87-1.06x over the day's full runs), so the
 * scenario takes more, alternating which variant goes first.
 */
const TRACING_RUNS_FACTOR = 2;

/**
 * Issue 7 scenario (h): the file word count (2 mappers, 2 reducers) on a cluster exporting its
 * traces over OTLP/HTTP to a local receiver (the harness's, in the bench process) against an
 * identical cluster with tracing off, both up at once with interleaved runs (twice as many as the
 * other cluster scenarios, each round alternating which goes first). Each traced run must
 * have delivered spans of the job's trace; when none arrive, tracing is reported not available.
 */
export function createTracingOverhead(): Scenario {
  return {
    name: 'tracing',
    description: 'Word count with traces exported to a local OTLP receiver vs tracing off (2 mappers, 2 reducers)',
    async run(context: ScenarioContext): Promise<ScenarioResult> {
      const corpus = await scenarioCorpus(context, TRACING_CORPUS_BYTES);
      const size = `${(corpus.bytes / 1024 / 1024).toFixed(0)} MB file`;
      let spanless = 0;
      const { entries, checks } = await interleavedWordCounts(
        context,
        corpus,
        [
          { id: 'tracing/off', description: `${size}, 2 mappers + 2 reducers, no OTEL_EXPORTER_OTLP_ENDPOINT`, cluster: { mappers: 2, reducers: 2 }, reducers: 2 },
          {
            id: 'tracing/on',
            description: `${size}, 2 mappers + 2 reducers, every service exporting spans (OTLP/HTTP protobuf) to a local receiver`,
            cluster: { mappers: 2, reducers: 2, tracing: true },
            reducers: 2,
            async inspect(cluster, measured, run) {
              const traceId = measured.job.traceId;
              const spans = traceId ? (await cluster.trace(traceId, { timeoutMs: 5000 })).length : 0;
              if (spans === 0) spanless += 1;
              return { name: `tracing/on run ${run}: the job's trace reached the receiver`, ok: spans > 0, detail: `${spans} spans in trace ${traceId || '(no trace id)'}` };
            },
          },
        ],
        clusterRuns(context) * TRACING_RUNS_FACTOR,
      );
      if (spanless === entries[1]!.runs.length) {
        return { entries: [], notAvailable: 'the services exported no spans with OTEL_EXPORTER_OTLP_ENDPOINT set (tracing not on main)' };
      }
      return {
        entries,
        ratios: [{ name: '(h) tracing on vs off (throughput; cost under 5%)', numerator: 'tracing/on', denominator: 'tracing/off', metric: 'mbPerSecond', goal: { atLeast: 0.95 } }],
        checks,
      };
    },
  };
}
