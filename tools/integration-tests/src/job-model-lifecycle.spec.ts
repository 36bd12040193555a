import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Code } from '@connectrpc/connect';
import { JobState, NodeRole } from '@weft/client';
import type { JobSpecInit, WatchJobResponse, WeftClient } from '@weft/client';
import { generateCorpusText } from '@weft/corpus';
import { useClusterSuite } from './support/cluster-suite.js';
import { readAll } from './support/read-results.js';
import { referenceInvertedIndex, referenceWordCount } from './support/reference-word-count.js';

// Issue 3, "Must show": every built-in job on real inputs gives exactly an independent in-test
// computation with 1, 2 and 5 reducers; WatchJob events arrive in order, end with the final state,
// and two watchers see the same events; CancelJob frees every slot on every node within 1 s.

const userModule = fileURLToPath(new URL('../fixtures/user-functions.mjs', import.meta.url));
const files = { corpus: '', numbers: '', docs: '' };
const texts = { corpus: '', numbers: '', docs: '' };

const suite = useClusterSuite(
  'lifecycle',
  // Heartbeats every 200 ms, so DescribeCluster shows freed slots well within the 1 s budget.
  { mappers: 2, reducers: 2, env: { WEFT_FUNCTION_MODULES: userModule, COORDINATOR_HEARTBEAT_INTERVAL: '200ms', COORDINATOR_SPLIT_SIZE: '256KiB' } },
  async (dir) => {
    texts.corpus = generateCorpusText({ bytes: 3 * 1024 * 1024, seed: 31 });
    let x = 7;
    texts.numbers = Array.from({ length: 20_000 }, () => {
      x = (x * 48271) % 2147483647;
      return String((x % 2_000_001) - 1_000_000);
    }).join('\n');
    const lines = texts.corpus.split('\n').filter((l) => l.trim() !== '');
    texts.docs = lines.slice(0, 4000).map((line, i) => `doc-${i % 97}\t${line}`).join('\n');
    for (const name of ['corpus', 'numbers', 'docs'] as const) {
      files[name] = join(dir, `${name}.txt`);
      await writeFile(files[name], texts[name]);
    }
  },
);

/** Runs `spec` with 1, 2 and 5 reducers at once; returns each job's records as key -> value. */
async function withReducers(client: WeftClient, spec: JobSpecInit): Promise<Map<string, unknown>[]> {
  return Promise.all([1, 2, 5].map(async (reducers) => {
    const job = await client.submit({ ...spec, reducers });
    expect({ reducers, state: (await job.wait()).state }).toEqual({ reducers, state: JobState.SUCCEEDED });
    const records = await readAll(job);
    const map = new Map(records.map((r) => [r.key, r.value]));
    expect(map.size).toBe(records.length);
    return map;
  }));
}

const sortedByKey = <V>(entries: Iterable<[string, V]>) => new Map([...entries].sort((a, b) => Buffer.compare(Buffer.from(a[0]), Buffer.from(b[0]))));

describe('built-in jobs, 1, 2 and 5 reducers, against independent computations', () => {
  it('wordcount', () =>
    suite.run(async ({ client }) => {
      const expected = sortedByKey(referenceWordCount(texts.corpus));
      for (const got of await withReducers(client, { function: 'wordcount', inputs: [{ file: files.corpus }] })) expect(sortedByKey(got)).toEqual(expected);
    }));

  it('sum-of-squares', () =>
    suite.run(async ({ client }) => {
      const expected = texts.numbers.split('\n').reduce((sum, n) => sum + BigInt(n) * BigInt(n), 0n);
      for (const got of await withReducers(client, { function: 'sum-of-squares', inputs: [{ file: files.numbers }] })) {
        expect(BigInt(got.get('sum') as number | bigint)).toBe(expected);
        expect(got.size).toBe(1);
      }
    }));

  it('grep (regex, ignoreCase)', () =>
    suite.run(async ({ client }) => {
      const regex = /\bthe [a-z]+ of\b/i;
      const expected = new Map<string, number>();
      for (const line of texts.corpus.split('\n')) if (regex.test(line)) expected.set(`${files.corpus}:${line}`, (expected.get(`${files.corpus}:${line}`) ?? 0) + 1);
      expect(expected.size).toBeGreaterThan(10);
      const spec: JobSpecInit = { function: 'grep', params: { pattern: '\\bthe [a-z]+ of\\b', ignoreCase: true }, inputs: [{ file: files.corpus }] };
      for (const got of await withReducers(client, spec)) expect(sortedByKey(got)).toEqual(sortedByKey(expected));
    }));

  it('inverted-index', () =>
    suite.run(async ({ client }) => {
      const expected = sortedByKey([...referenceInvertedIndex(texts.docs)]);
      for (const got of await withReducers(client, { function: 'inverted-index', inputs: [{ file: files.docs }] })) expect(sortedByKey(got)).toEqual(expected);
    }));
});

describe('job lifecycle', () => {
  it('WatchJob: events in order, the same for two watchers, ending with the final state', () =>
    suite.run(async ({ client }) => {
      const job = await client.submit({ function: 'wordcount', inputs: [{ file: files.corpus }], reducers: 2 });
      const collect = async (): Promise<WatchJobResponse[]> => {
        const events: WatchJobResponse[] = [];
        for await (const event of job.watch()) events.push(event);
        return events;
      };
      const [a, b] = await Promise.all([collect(), collect()]);
      for (const events of [a, b]) {
        expect(events[0]!.event.case).toBe('snapshot');
        const after = events.slice(1).map((e) => Number(e.sequence));
        // Contiguous and increasing right after the snapshot's position.
        expect(after).toEqual(after.map((_, i) => Number(events[0]!.sequence) + 1 + i));
        expect(events.at(-1)!.event).toEqual({ case: 'state', value: JobState.SUCCEEDED });
      }
      // Past both snapshots, the two watchers saw the very same events.
      const from = Math.max(Number(a[0]!.sequence), Number(b[0]!.sequence));
      const tail = (events: WatchJobResponse[]) => events.slice(1).filter((e) => Number(e.sequence) > from).map((e) => ({ sequence: e.sequence, event: e.event }));
      expect(tail(a)).toEqual(tail(b));
      expect(tail(a).some((e) => e.event.case === 'task')).toBe(true);
      // Only the last message carries the job, as it ended: what GetJob answers.
      const ended = await job.get();
      expect(ended.resultCount).toBeGreaterThan(0n);
      for (const events of [a, b]) {
        expect(events.at(-1)!.job).toEqual(ended);
        expect(events.slice(0, -1).every((e) => e.job === undefined)).toBe(true);
      }
      // A watch that starts after the end: the final snapshot, then the final state with the job.
      const late = await collect();
      expect(late.map((e) => e.event.case)).toEqual(['snapshot', 'state']);
      expect(late[1]!.event).toEqual({ case: 'state', value: JobState.SUCCEEDED });
      expect(late[1]!.job).toEqual(ended);
    }));

  it('GetJobTrace: the running spans of a job while it runs, all ended after, with no trace exporter; NOT_FOUND and INVALID_ARGUMENT for bad ids', () =>
    suite.run(async ({ client }) => {
      // 60 lines at 40 ms in 2 map tasks: about a second and a half of map work, seen while it runs.
      const records = Array.from({ length: 60 }, (_, i) => `line ${i} ${'x'.repeat(9000)}`);
      const job = await client.submit({ function: 'slow-lines', params: { msPerLine: 40 }, inputs: [{ records }], reducers: 2 });
      let running = await job.trace();
      const deadline = Date.now() + 30_000;
      while (!running.spans.some((s) => s.attributes['weft.task.phase'] === 'map' && s.endTime === undefined) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        running = await job.trace();
      }
      const jobSpan = running.spans.find((s) => s.name === 'job slow-lines');
      expect(jobSpan?.attributes['weft.job.id']).toBe(job.id);
      expect(jobSpan?.endTime).toBeUndefined();
      expect(running.spans.some((s) => s.attributes['weft.task.phase'] === 'map' && s.endTime === undefined)).toBe(true);

      const done = await job.wait();
      const ended = await job.trace();
      expect(ended.traceId).toBe(done.traceId);
      expect(ended.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(ended.spans.filter((s) => s.endTime === undefined).map((s) => s.name)).toEqual([]);
      const ids = new Set(ended.spans.map((s) => s.spanId));
      // One tree: a single span (the coordinator's SubmitJob) has its parent in another process.
      expect(ended.spans.filter((s) => !ids.has(s.parentSpanId)).map((s) => s.name)).toEqual(['weft.v1.JobService/SubmitJob']);
      const attempts = (phase: string) => ended.spans.filter((s) => s.attributes['weft.task.phase'] === phase && !s.error).length;
      expect(attempts('map')).toBeGreaterThanOrEqual(done.phases[0]!.tasksTotal);
      expect(attempts('reduce')).toBeGreaterThanOrEqual(2);

      await expect(client.job('no-such-job').trace()).rejects.toMatchObject({ code: Code.NotFound });
      await expect(client.job('').trace()).rejects.toMatchObject({ code: Code.InvalidArgument, rawMessage: expect.stringContaining('job_id') });
    }));

  it('CancelJob of sleep-heavy map tasks frees every slot on every node within 1 s', () =>
    suite.run(async ({ client }) => {
      // 4,000 lines at 200 ms each in ~10 map tasks of 256 KiB: minutes of work on every mapper thread.
      const records = Array.from({ length: 4000 }, (_, i) => `line ${i} ${'x'.repeat(600)}`);
      const job = await client.submit({ function: 'slow-lines', params: { msPerLine: 200 }, inputs: [{ records }] });
      const mappers = async () => (await client.cluster()).filter((n) => n.role === NodeRole.MAPPER);
      const deadline = Date.now() + 20_000;
      while ((await mappers()).some((n) => n.busySlots < n.slots) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect((await mappers()).map((n) => n.busySlots === n.slots)).toEqual([true, true]);

      const cancelled = Date.now();
      expect((await job.cancel()).state).toBe(JobState.CANCELLED);
      let nodes = await mappers();
      while (nodes.some((n) => n.busySlots > 0) && Date.now() - cancelled < 5_000) {
        await new Promise((r) => setTimeout(r, 50));
        nodes = await mappers();
      }
      const freedAfterMs = Date.now() - cancelled;
      expect(nodes.map((n) => ({ id: n.id, busy: n.busySlots }))).toEqual(nodes.map((n) => ({ id: n.id, busy: 0 })));
      expect(freedAfterMs).toBeLessThanOrEqual(1000);
    }));
});
