import { join } from 'node:path';
import { JobState, type JobHandle, type ScatterEvent } from '@weft/client';
import { generateCorpusFile } from '@weft/corpus';
import { injectFaults } from '@weft/testing';
import { useClusterSuite } from './support/cluster-suite.js';
import { countsOf, readAll } from './support/read-results.js';
import { diffCounts, noDifferences, referenceWordCountOfFiles } from './support/reference-word-count.js';
import { describeSpan, traceTree } from './support/trace-tree.js';

// Issue 9, "Must show": with OTEL_EXPORTER_OTLP_PROTOCOL=http/json the spans reach the receiver
// as JSON (tracing.spec.ts covers http/protobuf); a scatter call with hedging is one trace in which
// the hedged item shows both attempts, the losing one marked cancelled; and a SIGKILLed mapper's
// retried task shows as two attempts in the job's trace, the first with error status and the
// exception.

const KiB = 1024;
const input = { corpus: '', counts: new Map<string, number>() };

const suite = useClusterSuite(
  'tracing-failures',
  {
    mappers: 2,
    reducers: 1,
    tracing: { protocol: 'http/json' },
    env: {
      WEFT_TEST_MODE: '1',
      COORDINATOR_SPLIT_SIZE: '256KiB',
      // The kill is noticed by the broken streams, not by missed heartbeats; no backup attempts, so
      // the only second attempts are the retries this test is about.
      COORDINATOR_NODE_TIMEOUT: '120s',
      COORDINATOR_BACKUP_TASKS: 'false',
    },
  },
  async (dir) => {
    input.corpus = join(dir, 'corpus.txt');
    await generateCorpusFile(input.corpus, { bytes: 1024 * KiB, seed: 4242 });
    input.counts = await referenceWordCountOfFiles([input.corpus]);
  },
);

async function expectExactCount(job: JobHandle): Promise<string> {
  const done = await job.wait();
  expect(done.state).toBe(JobState.SUCCEEDED);
  expect(diffCounts(input.counts, countsOf(await readAll(job)))).toEqual(noDifferences(input.counts.size));
  return done.traceId;
}


describe('traces over http/json, and of a job that lost a mapper', () => {
  it('exports over OTLP http/json: the whole job arrives as one tree, and nothing came as protobuf', () =>
    suite.run(async (cluster) => {
      const job = await cluster.client.submit({ function: 'wordcount', inputs: [{ file: input.corpus }], reducers: 1 });
      const tree = traceTree(await cluster.trace(await expectExactCount(job)));
      expect(tree.roots.map(describeSpan)).toEqual(['weft-gateway server weft.v1.JobService/SubmitJob']);
      expect(tree.orphans.map(describeSpan)).toEqual([]);
      expect(new Set(tree.spans.map((s) => s.service))).toEqual(new Set(['weft-gateway', 'weft-coordinator', 'weft-mapper', 'weft-reducer']));
      expect(tree.named(/^map m-\d+ attempt 1$/).length).toBeGreaterThanOrEqual(4);
      expect(tree.named('map worker thread').length).toBeGreaterThanOrEqual(4);
      expect(cluster.otlp!.requests).toMatchObject({ protobuf: 0, rejected: 0 });
      expect(cluster.otlp!.requests.json).toBeGreaterThan(0);
    }));

  it("shows a SIGKILLed mapper's task as two attempts, the first failed with its exception", () =>
    suite.run(async (cluster) => {
      // Hold mapper-1's map attempts for a while, so it dies with attempts in flight.
      await injectFaults(cluster.mapper(0), { latencyMs: 20_000, methods: ['RunMapTask'] });
      const job = await cluster.client.submit({ function: 'wordcount', inputs: [{ file: input.corpus }], reducers: 1 });
      // Attempts are placed at once, and mapper-1 holds the ones it gets for 20 s: kill it while it does.
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      cluster.mapper(0).kill();
      const tree = traceTree(await cluster.trace(await expectExactCount(job)));
      expect(tree.orphans.map(describeSpan)).toEqual([]);
      const job_ = tree.only('job wordcount');

      const attemptsByTask = new Map<string, typeof tree.spans[number][]>();
      for (const span of tree.named(/^map m-\d+ attempt \d+$/)) {
        expect(tree.parent(span)).toBe(job_);
        const taskId = String(span.attributes['weft.task.id']);
        attemptsByTask.set(taskId, [...(attemptsByTask.get(taskId) ?? []), span]);
      }
      const retried = [...attemptsByTask.values()].filter((spans) => spans.length >= 2);
      expect(retried.length).toBeGreaterThan(0);
      for (const spans of retried) {
        const [first, ...later] = spans.sort((a, b) => Number(a.attributes['weft.task.attempt']) - Number(b.attributes['weft.task.attempt']));
        expect(first!.status.code).toBe('error');
        expect(first!.status.message).not.toBe('');
        expect(first!.events.map((e) => e.name)).toContain('exception');
        expect(later.at(-1)!.status.code).not.toBe('error');
        expect(Number(later.at(-1)!.attributes['weft.task.attempt'])).toBeGreaterThan(Number(first!.attributes['weft.task.attempt']));
        // The retry shows on the job span as an event naming the task.
        expect(job_.events.some((e) => e.name === 'retry' && e.attributes['weft.task.id'] === first!.attributes['weft.task.id'])).toBe(true);
      }
      await cluster.mapper(0).restart();
    }));
  it('traces a hedged scatter call as one tree: both attempts of a hedged item, the loser cancelled', () =>
    suite.run(async (cluster) => {
      // mapper-1 answers nothing for 3 s: the items it holds are hedged onto mapper-2 after 300 ms.
      await injectFaults(cluster.mapper(0), { latencyMs: 3_000, methods: ['RunScatterItems'] });
      const inputs = ['a', 'b', 'c', 'd', 'e', 'f'];
      const items: Extract<ScatterEvent, { type: 'item' }>[] = [];
      let traceId = '';
      try {
        for await (const event of cluster.client.scatter({ function: 'echo', inputs, maxConcurrency: 6, hedgeAfterMs: 300 })) {
          if (event.type === 'item') items.push(event);
          else traceId = event.summary.traceId;
        }
      } finally {
        await injectFaults(cluster.mapper(0), {});
      }
      expect(items.map((e) => (e.ok ? e.value : e.error)).sort()).toEqual(inputs);
      const hedgedItems = items.filter((e) => e.hedged).map((e) => e.index);
      expect(hedgedItems.length).toBeGreaterThanOrEqual(1);

      // The summary names the call's trace.
      expect(traceId).toMatch(/^[0-9a-f]{32}$/);
      const tree = traceTree(await cluster.trace(traceId));
      expect(tree.roots.map(describeSpan)).toEqual(['weft-gateway server weft.v1.ScatterGatherService/Scatter']);
      expect(tree.orphans.map(describeSpan)).toEqual([]);
      const [coordinatorServer] = tree.spans.filter((s) => s.service === 'weft-coordinator' && s.kind === 'server');
      expect(coordinatorServer?.name).toBe('weft.v1.ScatterGatherService/Scatter');
      const attempts = tree.named(/^scatter item \d+ attempt \d+$/);
      for (const span of attempts) expect(tree.parent(span)).toBe(coordinatorServer);
      // Every item has an attempt that succeeded; each hedged one also a first attempt, cancelled.
      for (const index of inputs.keys()) {
        const mine = attempts.filter((s) => s.attributes['weft.scatter.item'] === index).sort((a, b) => Number(a.attributes['weft.scatter.attempt']) - Number(b.attributes['weft.scatter.attempt']));
        expect(mine.filter((s) => s.attributes['weft.scatter.outcome'] === 'succeeded')).toHaveLength(1);
        if (!hedgedItems.includes(index)) continue;
        expect(mine).toHaveLength(2);
        const [first, hedge] = mine;
        expect(first!.attributes).toMatchObject({ 'weft.scatter.attempt': 1, 'weft.node.id': 'mapper-1', 'weft.scatter.outcome': 'cancelled', 'weft.scatter.cancelled': true });
        expect(first!.events.map((e) => e.name)).toContain('cancelled');
        expect(hedge!.attributes).toMatchObject({ 'weft.scatter.attempt': 2, 'weft.node.id': 'mapper-2', 'weft.scatter.hedge': true, 'weft.scatter.outcome': 'succeeded' });
        expect(hedge!.startMs - first!.startMs).toBeGreaterThanOrEqual(300 - 1);
        // The hedge's work on mapper-2 hangs below it: the item carried its trace context.
        expect(tree.children(hedge!).map(describeSpan)).toEqual(['weft-mapper internal run echo']);
      }
    }));
});
