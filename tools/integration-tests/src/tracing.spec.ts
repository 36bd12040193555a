import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { JobState } from '@weft/client';
import { generateCorpusFile } from '@weft/corpus';
import type { ReceivedSpan } from '@weft/testing';
import { useClusterSuite } from './support/cluster-suite.js';
import { countsOf, readAll } from './support/read-results.js';
import { diffCounts, noDifferences, referenceWordCountOfFiles } from './support/reference-word-count.js';
import { describeSpan, traceTree, within } from './support/trace-tree.js';

// Issue 9, "Must show": a job's spans, exported over real OTLP/HTTP (protobuf) from every process
// of a 3-mapper, 2-reducer cluster, form exactly one tree under the gateway's span, with every
// attempt and worker-thread span under the right parent and inside it in time; /metrics answers
// in Prometheus text and its counters move as jobs run; a log line written while handling a task
// carries that task's trace id.

const KiB = 1024;
const input = { corpus: '', counts: new Map<string, number>() };

const suite = useClusterSuite(
  'tracing',
  {
    mappers: 3,
    reducers: 2,
    tracing: { protocol: 'http/protobuf' },
    metrics: true,
    // 256 KiB splits: a 2 MiB corpus becomes 8+ map tasks over the 3 mappers. Debug logs carry the
    // mappers' per-task line.
    // A 256 KiB output budget makes later map outputs spill to disk, so spills show in the trace.
    env: { COORDINATOR_SPLIT_SIZE: '256KiB', WEFT_LOG_LEVEL: 'debug', MAPPER_OUTPUT_MEMORY: '256KiB' },
  },
  async (dir) => {
    input.corpus = join(dir, 'corpus.txt');
    await generateCorpusFile(input.corpus, { bytes: 2 * 1024 * KiB, seed: 909 });
    input.counts = await referenceWordCountOfFiles([input.corpus]);
  },
);

/** Runs an exact word count of the corpus and returns the finished job. */
async function exactWordCount(): Promise<{ id: string; traceId: string }> {
  const job = await suite.cluster.client.submit({ function: 'wordcount', inputs: [{ file: input.corpus }], reducers: 2 });
  const done = await job.wait();
  expect(done.state).toBe(JobState.SUCCEEDED);
  expect(diffCounts(input.counts, countsOf(await readAll(job)))).toEqual(noDifferences(input.counts.size));
  return { id: job.id, traceId: done.traceId };
}

const pidOf = (span: ReceivedSpan): unknown => span.resource['process.pid'];

describe('a traced word count on 3 mappers and 2 reducers', () => {
  it('exports one tree per job: gateway -> coordinator -> job -> attempts -> workers -> worker threads, no orphans', () =>
    suite.run(async () => {
      const { id: jobId, traceId } = await exactWordCount();
      expect(traceId).toMatch(/^[0-9a-f]{32}$/);
      const tree = traceTree(await suite.cluster.trace(traceId));

      // One root, the gateway's SubmitJob; nothing points at a span that is not there.
      expect(tree.roots.map(describeSpan)).toEqual(['weft-gateway server weft.v1.JobService/SubmitJob']);
      expect(tree.orphans.map(describeSpan)).toEqual([]);
      expect(new Set(tree.spans.map((s) => s.service))).toEqual(new Set(['weft-gateway', 'weft-coordinator', 'weft-mapper', 'weft-reducer']));
      // Every process took part: 3 mapper and 2 reducer processes exported spans of this trace.
      expect(new Set(tree.spans.filter((s) => s.service === 'weft-mapper').map(pidOf)).size).toBe(3);
      expect(new Set(tree.spans.filter((s) => s.service === 'weft-reducer').map(pidOf)).size).toBe(2);

      // gateway server -> gateway client -> coordinator server -> job span.
      const [root] = tree.roots;
      const gatewayClients = tree.spans.filter((s) => s.service === 'weft-gateway' && s.kind === 'client');
      expect(gatewayClients.map(describeSpan)).toEqual(['weft-gateway client weft.v1.JobService/SubmitJob']);
      const gatewayClient = gatewayClients[0]!;
      expect(tree.parent(gatewayClient)).toBe(root);
      const coordinatorServer = tree.children(gatewayClient);
      expect(coordinatorServer.map(describeSpan)).toEqual(['weft-coordinator server weft.v1.JobService/SubmitJob']);
      const job = tree.only('job wordcount');
      expect(tree.parent(job)).toBe(coordinatorServer[0]);
      expect(job.attributes['weft.job.id']).toBe(jobId);
      expect(job.status.code).not.toBe('error');

      // The job span's children: plan, one span per attempt, one result commit per partition.
      const plan = tree.only('plan');
      expect(tree.parent(plan)).toBe(job);
      const mapTasks = Number(plan.attributes['weft.map.tasks']);
      expect(mapTasks).toBeGreaterThanOrEqual(8);
      const mapAttempts = tree.named(/^map m-\d+ attempt \d+$/);
      const reduceAttempts = tree.named(/^reduce r-\d+ attempt \d+$/);
      expect(mapAttempts.length).toBeGreaterThanOrEqual(mapTasks);
      expect(new Set(mapAttempts.map((s) => s.attributes['weft.task.id'])).size).toBe(mapTasks);
      expect(new Set(reduceAttempts.map((s) => s.attributes['weft.task.partition']))).toEqual(new Set([0, 1]));
      const commits = tree.named('commit results');
      expect(commits.map((s) => s.attributes['weft.task.partition']).sort()).toEqual([0, 1]);
      for (const span of [...mapAttempts, ...reduceAttempts, ...commits]) expect(tree.parent(span)).toBe(job);
      const recordsIn = mapAttempts.reduce((sum, s) => sum + Number(s.attributes['weft.records.in']), 0);
      expect(recordsIn).toBeGreaterThan(0);

      // Each succeeded attempt: its CLIENT span, the worker's SERVER span below it, and the
      // worker-thread span below that, inside both in time.
      // On a busy machine a straggler may get a backup attempt (the loser is cancelled) and a call
      // may be retried inside its attempt: the shape below is checked for each attempt that won,
      // on the call that answered (its last one).
      const succeeded = [...mapAttempts, ...reduceAttempts].filter((s) => s.attributes['weft.task.outcome'] === 'succeeded');
      expect(succeeded.filter((s) => s.name.startsWith('map')).length).toBe(mapTasks);
      expect(succeeded.filter((s) => s.name.startsWith('reduce')).length).toBe(2);
      for (const attempt of succeeded) {
        const map = attempt.name.startsWith('map');
        expect(attempt.attributes).toMatchObject({ 'weft.job.id': jobId, 'weft.task.phase': map ? 'map' : 'reduce' });
        expect(attempt.status.code).not.toBe('error');
        // Records and bytes in and out on every attempt (the last split may be empty: 0 is fine).
        for (const key of ['weft.records.in', 'weft.records.out', 'weft.bytes.in', 'weft.bytes.out']) expect(typeof attempt.attributes[key]).toBe('number');
        const calls = tree.children(attempt);
        expect(new Set(calls.map(describeSpan))).toEqual(new Set([`weft-coordinator client weft.cluster.v1.${map ? 'MapperService/RunMapTask' : 'ReducerService/RunReduceTask'}`]));
        const client = calls.at(-1)!;
        expect(client.status.code).not.toBe('error');
        const [server, ...moreServers] = tree.children(client);
        expect([server, ...moreServers].map((s) => s && describeSpan(s))).toEqual([`${map ? 'weft-mapper' : 'weft-reducer'} server weft.cluster.v1.${map ? 'MapperService/RunMapTask' : 'ReducerService/RunReduceTask'}`]);
        expect(server!.attributes['weft.task.attempt']).toBe(attempt.attributes['weft.task.attempt']);
        const thread = tree.spans.filter((s) => s.name === `${map ? 'map' : 'reduce'} worker thread` && tree.ancestors(s).includes(server!));
        expect(thread).toHaveLength(1);
        expect(within(thread[0]!, server!)).toBe(true);
        expect(within(thread[0]!, attempt)).toBe(true);
        expect(thread[0]!.endMs - thread[0]!.startMs).toBeGreaterThanOrEqual(0);
        if (map) {
          expect(tree.parent(thread[0]!)).toBe(server);
        } else {
          // Reduce: the shuffle (one fetch per map output, each reaching a mapper) then the reduce.
          const reduce = tree.parent(thread[0]!)!;
          expect(reduce.name).toBe('reduce');
          expect(tree.parent(reduce)).toBe(server);
          const fetches = tree.children(server!).filter((s) => s.name.startsWith('shuffle fetch '));
          expect(fetches).toHaveLength(mapTasks);
          for (const fetch of fetches) {
            const [fetchClient] = tree.children(fetch);
            expect(tree.children(fetchClient!).map(describeSpan)).toEqual(['weft-mapper server weft.cluster.v1.MapperService/StreamPartition']);
          }
        }
      }
      // Every span of the job lies inside the root in time.
      for (const span of tree.spans) if (tree.ancestors(span).includes(job)) expect(within(span, job)).toBe(true);
      // Outputs past the mappers' memory budget spilled: each spill is an event on its map task's server span.
      const spilled = tree.spans.filter((s) => s.events.some((e) => e.name === 'spill'));
      expect(spilled.length).toBeGreaterThan(0);
      for (const span of spilled) {
        expect(describeSpan(span)).toBe('weft-mapper server weft.cluster.v1.MapperService/RunMapTask');
        expect(span.events.find((e) => e.name === 'spill')!.attributes['weft.spill.bytes']).toBeGreaterThan(0);
      }
    }));

  it("traces an upload the same way: the gateway's relay opens the SERVER and CLIENT spans of UploadJob, the coordinator's job below them", () =>
    suite.run(async () => {
      // The SDK speaks gRPC: the gateway passes the upload's frames on without decoding them.
      const job = await suite.cluster.client.upload({ function: 'wordcount', inputs: [], reducers: 2 }, createReadStream(input.corpus, { highWaterMark: 256 * KiB }));
      const done = await job.wait();
      expect(done.state).toBe(JobState.SUCCEEDED);
      expect(diffCounts(input.counts, countsOf(await readAll(job)))).toEqual(noDifferences(input.counts.size));
      const tree = traceTree(await suite.cluster.trace(done.traceId));
      expect(tree.roots.map(describeSpan)).toEqual(['weft-gateway server weft.v1.JobService/UploadJob']);
      expect(tree.orphans.map(describeSpan)).toEqual([]);
      const [root] = tree.roots;
      const [client, ...moreClients] = tree.children(root!);
      expect([client, ...moreClients].map((s) => s && describeSpan(s))).toEqual(['weft-gateway client weft.v1.JobService/UploadJob']);
      expect(client!.attributes['rpc.grpc.status_code']).toBe(0);
      const coordinatorServer = tree.children(client!);
      expect(coordinatorServer.map(describeSpan)).toEqual(['weft-coordinator server weft.v1.JobService/UploadJob']);
      expect(tree.parent(tree.only('job wordcount'))).toBe(coordinatorServer[0]);
      expect(within(client!, root!)).toBe(true);
    }));

  it("GetJobTrace answers with exactly the coordinator's exported spans of the job: same ids, parents, names and times", () =>
    suite.run(async (cluster) => {
      const { id: jobId, traceId } = await exactWordCount();
      const exported = (await cluster.trace(traceId)).filter((s) => s.service === 'weft-coordinator');
      const kept = await cluster.client.job(jobId).trace();
      expect(kept.traceId).toBe(traceId);
      const ms = (t: { seconds: bigint; nanos: number } | undefined): number => Number(t!.seconds) * 1000 + t!.nanos / 1e6;
      const byId = new Map(exported.map((s) => [s.spanId, s]));
      expect(kept.spans.map((s) => s.spanId).sort()).toEqual([...byId.keys()].sort());
      for (const span of kept.spans) {
        const twin = byId.get(span.spanId)!;
        expect({ name: span.name, kind: span.kind, parent: span.parentSpanId, error: span.error }).toEqual({ name: twin.name, kind: twin.kind, parent: twin.parentSpanId, error: twin.status.code === 'error' });
        expect(ms(span.startTime)).toBeCloseTo(twin.startMs, 2);
        expect(ms(span.endTime)).toBeCloseTo(twin.endMs, 2);
      }
      // Ordered by start; the job span names its job, and every attempt span hangs below it.
      const starts = kept.spans.map((s) => ms(s.startTime));
      expect(starts).toEqual([...starts].sort((a, b) => a - b));
      const job = kept.spans.find((s) => s.name === 'job wordcount')!;
      expect(job.attributes['weft.job.id']).toBe(jobId);
      const attempts = kept.spans.filter((s) => s.attributes['weft.task.phase'] !== undefined);
      expect(new Set(attempts.map((s) => s.parentSpanId))).toEqual(new Set([job.spanId]));
      expect(attempts.filter((s) => s.attributes['weft.task.phase'] === 'reduce').map((s) => s.attributes['weft.task.partition']).sort()).toEqual(['0', '1']);
    }));

  it('serves /metrics in Prometheus text format on every service, and the counters move as a job runs', () =>
    suite.run(async (cluster) => {
      const nodes = [cluster.coordinator, cluster.gateway, cluster.mapper(0), cluster.mapper(1), cluster.mapper(2), cluster.reducer(0), cluster.reducer(1)];
      const scrape = async (): Promise<string[]> =>
        Promise.all(
          nodes.map(async (node) => {
            const response = await fetch(await cluster.metricsUrl(node));
            expect(response.status).toBe(200);
            expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
            return response.text();
          }),
        );
      const before = await scrape();
      await exactWordCount();
      const after = await scrape();
      for (const text of after) {
        expect(text).toMatch(/^# HELP /m);
        expect(text).toMatch(/^# TYPE \w+ (counter|gauge|histogram)$/m);
      }
      const [coordinator, gateway, ...workers] = [0, 1, 2, 3, 4, 5, 6].map((i) => ({ before: before[i]!, after: after[i]! }));
      const moved = (texts: { before: string; after: string }, name: string, labels: Record<string, string>): number => sample(texts.after, name, labels) - sample(texts.before, name, labels);
      expect(moved(coordinator!, 'weft_task_attempts_total', { weft_task_phase: 'map', weft_task_outcome: 'succeeded' })).toBeGreaterThanOrEqual(8);
      expect(moved(coordinator!, 'weft_task_attempts_total', { weft_task_phase: 'reduce', weft_task_outcome: 'succeeded' })).toBe(2);
      expect(moved(coordinator!, 'weft_job_duration_count', { weft_job_function: 'wordcount', weft_job_state: 'SUCCEEDED' })).toBe(1);
      expect(moved(gateway!, 'rpc_server_calls_total', { rpc_method: 'SubmitJob', rpc_grpc_status_code: '0' })).toBe(1);
      const mapCalls = workers.slice(0, 3).map((w) => moved(w, 'rpc_server_calls_total', { rpc_method: 'RunMapTask', rpc_grpc_status_code: '0' }));
      expect(mapCalls.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(8);
      const shuffled = workers.slice(3).map((w) => moved(w, 'weft_shuffle_bytes_total', {}));
      expect(shuffled.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
      for (const w of workers) expect(w.after).toMatch(/^weft_pool_utilization(\{[^}]*\})? [0-9.]+$/m);
      // Breaker state per worker node, all closed (0) on this healthy cluster.
      for (const id of ['mapper-1', 'mapper-2', 'mapper-3', 'reducer-1', 'reducer-2']) {
        expect(coordinator!.after).toMatch(new RegExp(`^weft_breaker_state\\{weft_node_id="${id}",[^}]*\\} 0$`, 'm'));
      }
    }));

  it("writes the task's trace id on a log line written while handling the task", () =>
    suite.run(async (cluster) => {
      const { id: jobId, traceId } = await exactWordCount();
      const tree = traceTree(await cluster.trace(traceId));
      const serverSpans = new Set(tree.named('weft.cluster.v1.MapperService/RunMapTask').filter((s) => s.kind === 'server').map((s) => s.spanId));
      const lines: Record<string, unknown>[] = [];
      for (const i of [0, 1, 2]) {
        const text = await readFile(cluster.mapper(i).logFile, 'utf8');
        for (const line of text.split('\n')) {
          if (!line.includes(jobId) || !line.includes('"map task done"')) continue;
          lines.push(JSON.parse(line) as Record<string, unknown>);
        }
      }
      expect(lines.length).toBeGreaterThanOrEqual(8);
      for (const line of lines) {
        expect(line).toMatchObject({ msg: 'map task done', jobId, trace_id: traceId });
        // The span id on the line is the task's server span on that mapper.
        expect(serverSpans.has(String(line.span_id))).toBe(true);
      }
    }));
});

/** The value of one Prometheus sample whose labels include `labels` (0 when absent). */
function sample(text: string, name: string, labels: Record<string, string>): number {
  let total = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[3] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) total += Number(match[4]);
  }
  return total;
}
