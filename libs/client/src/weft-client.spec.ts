import { create } from '@bufbuild/protobuf';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { timestampNow } from '@bufbuild/protobuf/wkt';
import { Code, ConnectError, createRouterTransport } from '@connectrpc/connect';
import type { ConnectRouter } from '@connectrpc/connect';
import type { Job, SubmitJobRequest } from '@weft/proto';
import {
  ClusterService,
  JobSchema,
  JobService,
  JobState,
  NodeRole,
  NodeSchema,
  NodeState,
  ResultOrder,
  ScatterGatherService,
} from '@weft/proto';
import { createWeftClient } from './create-weft-client.js';
import { isJobFailedError } from './job-failed-error.js';

const url = 'http://gateway.test';

function job(state: JobState, extra: MessageInitShape<typeof JobSchema> = {}): Job {
  return create(JobSchema, { id: 'j-1', function: 'wordcount', state, ...extra });
}

function clientFor(routes: (router: ConnectRouter) => void, token?: string) {
  return createWeftClient({ url, token, transport: createRouterTransport(routes), retry: { initialDelayMs: 1 } });
}

describe('createWeftClient', () => {
  it('rejects a URL that is not http(s)', () => {
    expect(() => createWeftClient({ url: 'localhost:8080' })).toThrow('options.url must be an http(s) URL, got "localhost:8080"');
  });

  it('uploads the spec, chunks of at most 1 MiB - 16 bytes, then end with the byte count', async () => {
    const seen: { case: string | undefined; bytes: number }[] = [];
    const client = clientFor(({ service }) => {
      service(JobService, {
        async uploadJob(requests) {
          for await (const request of requests) {
            const { kind } = request;
            seen.push({ case: kind.case, bytes: kind.case === 'chunk' ? kind.value.byteLength : kind.case === 'end' ? Number(kind.value.bytes) : 0 });
          }
          return { jobId: 'j-up' };
        },
      });
    });
    const MiB = 1024 * 1024;
    // A 1 MiB read goes as two messages: one a few bytes over 1 MiB would need a 2 MiB encode buffer.
    const handle = await client.upload({ function: 'wordcount', inputs: [] }, [new Uint8Array(MiB), new Uint8Array(10), new Uint8Array(2 * MiB + 1)]);
    expect(handle.id).toBe('j-up');
    expect(seen).toEqual([
      { case: 'spec', bytes: 0 },
      { case: 'chunk', bytes: MiB - 16 },
      { case: 'chunk', bytes: 16 },
      { case: 'chunk', bytes: 10 },
      { case: 'chunk', bytes: MiB - 16 },
      { case: 'chunk', bytes: MiB - 16 },
      { case: 'chunk', bytes: 33 },
      { case: 'end', bytes: 3 * MiB + 11 },
    ]);
  });

  it('an upload whose data breaks off sends no end, so the cluster never takes it for complete', async () => {
    const seen: (string | undefined)[] = [];
    const client = clientFor(({ service }) => {
      service(JobService, {
        async uploadJob(requests) {
          try {
            for await (const request of requests) seen.push(request.kind.case);
          } catch {
            seen.push('broken');
          }
          return { jobId: 'j-up' };
        },
      });
    });
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array(5);
      throw new Error('disk read failed');
    }
    // Over this in-memory transport the handler sees the stream fail; over HTTP/2 it may see it end.
    await client.upload({ function: 'wordcount', inputs: [] }, failing()).catch(() => undefined);
    expect(seen).toEqual(['spec', 'chunk', 'broken']);
  });

  it('submits the spec as weft.v1.JobSpec, with the bearer token', async () => {
    let seen: SubmitJobRequest | undefined;
    let auth: string | null = null;
    const client = clientFor(({ service }) => {
      service(JobService, {
        submitJob(req, ctx) {
          seen = req;
          auth = ctx.requestHeader.get('authorization');
          return { jobId: 'j-7' };
        },
      });
    }, 's3cret');
    const handle = await client.submit({
      function: 'wordcount',
      params: { minLength: 3 },
      inputs: [{ records: ['a b', 'c'] }, { file: '/data/x.txt' }, { url: 'https://example.com/a' }],
      reducers: 4,
      idempotencyKey: 'k1',
    });
    expect(handle.id).toBe('j-7');
    expect(auth).toBe('Bearer s3cret');
    expect(seen?.spec?.function).toBe('wordcount');
    expect(seen?.spec?.params).toEqual({ minLength: 3 });
    expect(seen?.spec?.reducers).toBe(4);
    expect(seen?.spec?.idempotencyKey).toBe('k1');
    expect(seen?.spec?.inputs.map((i) => i.source)).toEqual([
      expect.objectContaining({ case: 'inline', value: expect.objectContaining({ records: ['a b', 'c'] }) }),
      expect.objectContaining({ case: 'file', value: expect.objectContaining({ path: '/data/x.txt' }) }),
      expect.objectContaining({ case: 'url', value: expect.objectContaining({ url: 'https://example.com/a' }) }),
    ]);
  });

  it('retries SubmitJob on a lost connection only when the spec has an idempotency key', async () => {
    let calls = 0;
    const client = clientFor(({ service }) => {
      service(JobService, {
        submitJob(req) {
          calls++;
          if (calls === 1) throw new ConnectError('read ECONNRESET', Code.Aborted);
          return { jobId: `j-${req.spec?.idempotencyKey}` };
        },
      });
    });
    expect((await client.submit({ function: 'wordcount', inputs: [{ records: ['a'] }], idempotencyKey: 'k1' })).id).toBe('j-k1');
    expect(calls).toBe(2);
    calls = 0;
    await expect(client.submit({ function: 'wordcount', inputs: [{ records: ['a'] }] })).rejects.toMatchObject({ code: Code.Aborted });
    expect(calls).toBe(1);
  });

  it('retries reads on a dropped connection, never on a status the server chose or the caller\'s own cancel', async () => {
    let calls = 0;
    const failures = [new ConnectError('other side closed', Code.Unknown), new ConnectError('stream closed with error code NGHTTP2_REFUSED_STREAM', Code.Canceled)];
    const client = clientFor(({ service }) => {
      service(JobService, {
        getJob(req) {
          calls++;
          if (req.jobId === 'aborted') throw new ConnectError('the job was aborted by policy', Code.Aborted);
          const failure = failures[calls - 1];
          if (failure) throw failure;
          return { job: job(JobState.RUNNING) };
        },
      });
    });
    expect((await client.job('j-1').get()).state).toBe(JobState.RUNNING);
    expect(calls).toBe(3);
    calls = 0;
    await expect(client.job('aborted').get()).rejects.toMatchObject({ code: Code.Aborted });
    expect(calls).toBe(1);
    const cancelled = new AbortController();
    cancelled.abort();
    calls = 0;
    await expect(client.job('j-1').get({ signal: cancelled.signal })).rejects.toMatchObject({ code: Code.Canceled });
    expect(calls).toBeLessThanOrEqual(1);
  });

  it('does not retry SubmitJob without an idempotency key on UNAVAILABLE', async () => {
    let calls = 0;
    const client = clientFor(({ service }) => {
      service(JobService, {
        submitJob() {
          calls++;
          throw new ConnectError('down', Code.Unavailable);
        },
      });
    });
    await expect(client.submit({ function: 'wordcount', inputs: [{ records: ['a'] }] })).rejects.toMatchObject({ code: Code.Unavailable });
    expect(calls).toBe(1);
  });

  it('retries GetJob on UNAVAILABLE, but not on NOT_FOUND', async () => {
    let calls = 0;
    const client = clientFor(({ service }) => {
      service(JobService, {
        getJob(req) {
          calls++;
          if (req.jobId === 'missing') throw new ConnectError('job missing not found', Code.NotFound);
          if (calls < 3) throw new ConnectError('down', Code.Unavailable);
          return { job: job(JobState.RUNNING) };
        },
      });
    });
    expect((await client.job('j-1').get()).state).toBe(JobState.RUNNING);
    expect(calls).toBe(3);
    calls = 0;
    await expect(client.job('missing').get()).rejects.toMatchObject({ code: Code.NotFound });
    expect(calls).toBe(1);
  });

  it('trace() returns the job\'s spans (GetJobTrace), retried on UNAVAILABLE', async () => {
    let calls = 0;
    const client = clientFor(({ service }) => {
      service(JobService, {
        getJobTrace(req) {
          calls++;
          if (calls < 2) throw new ConnectError('down', Code.Unavailable);
          return { traceId: 'ab'.repeat(16), spans: [{ spanId: '01'.repeat(8), name: `job of ${req.jobId}`, startTime: timestampNow() }] };
        },
      });
    });
    const trace = await client.job('j-1').trace();
    expect(calls).toBe(2);
    expect(trace.traceId).toBe('ab'.repeat(16));
    expect(trace.spans.map((s) => [s.name, s.endTime])).toEqual([['job of j-1', undefined]]);
  });

  it('gives up retrying after maxAttempts', async () => {
    let calls = 0;
    const client = createWeftClient({
      url,
      retry: { maxAttempts: 2, initialDelayMs: 1 },
      transport: createRouterTransport(({ service }) => {
        service(ClusterService, {
          describeCluster() {
            calls++;
            throw new ConnectError('down', Code.Unavailable);
          },
        });
      }),
    });
    await expect(client.cluster()).rejects.toMatchObject({ code: Code.Unavailable });
    expect(calls).toBe(2);
  });

  it('pages through ListJobs up to the limit', async () => {
    const pages = [['a', 'b'], ['c', 'd'], ['e']];
    const client = clientFor(({ service }) => {
      service(JobService, {
        listJobs(req) {
          const page = Number(req.pageToken || '0');
          return {
            jobs: pages[page]!.map((id) => job(JobState.SUCCEEDED, { id })),
            nextPageToken: page + 1 < pages.length ? String(page + 1) : '',
          };
        },
      });
    });
    expect((await client.jobs()).map((j) => j.id)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect((await client.jobs({ limit: 3 })).map((j) => j.id)).toEqual(['a', 'b', 'c']);
  });
});

describe('JobHandle', () => {
  it('wait() resolves with the job the final state carries, without a GetJob', async () => {
    let gets = 0;
    const client = clientFor(({ service }) => {
      service(JobService, {
        async *watchJob() {
          yield { sequence: 1n, event: { case: 'snapshot', value: job(JobState.RUNNING) } };
          yield { sequence: 2n, time: timestampNow(), event: { case: 'state', value: JobState.SUCCEEDED }, job: job(JobState.SUCCEEDED, { resultCount: 7n }) };
        },
        getJob: () => {
          gets++;
          return { job: job(JobState.SUCCEEDED, { resultCount: 12n }) };
        },
      });
    });
    const done = await client.job('j-1').wait();
    expect(done.resultCount).toBe(7n);
    expect(gets).toBe(0);
  });

  it('wait() resolves with the job from GetJob when the final state carries none (an older coordinator)', async () => {
    const client = clientFor(({ service }) => {
      service(JobService, {
        async *watchJob() {
          yield { sequence: 1n, event: { case: 'snapshot', value: job(JobState.RUNNING) } };
          yield { sequence: 2n, time: timestampNow(), event: { case: 'state', value: JobState.SUCCEEDED } };
        },
        getJob: () => ({ job: job(JobState.SUCCEEDED, { resultCount: 12n }) }),
      });
    });
    const done = await client.job('j-1').wait();
    expect(done.state).toBe(JobState.SUCCEEDED);
    expect(done.resultCount).toBe(12n);
  });

  it('wait() throws JobFailedError with the server error for a FAILED job', async () => {
    const client = clientFor(({ service }) => {
      service(JobService, {
        async *watchJob() {
          yield { sequence: 1n, event: { case: 'snapshot', value: job(JobState.FAILED, { error: 'task m-0 exhausted 4 attempts' }) } };
        },
      });
    });
    const err: unknown = await client.job('j-1').wait().catch((e: unknown) => e);
    expect(isJobFailedError(err)).toBe(true);
    expect((err as Error).message).toBe('job j-1 failed: task m-0 exhausted 4 attempts');
  });

  it('wait() watches again when the stream drops with UNAVAILABLE', async () => {
    let watches = 0;
    const client = clientFor(({ service }) => {
      service(JobService, {
        async *watchJob() {
          watches++;
          yield { sequence: 1n, event: { case: 'snapshot', value: job(JobState.RUNNING) } };
          if (watches === 1) throw new ConnectError('gateway restarting', Code.Unavailable);
          yield { sequence: 2n, event: { case: 'state', value: JobState.CANCELLED } };
        },
        getJob: () => ({ job: job(watches < 2 ? JobState.RUNNING : JobState.CANCELLED) }),
      });
    });
    await expect(client.job('j-1').wait()).rejects.toThrow('job j-1 was cancelled');
    expect(watches).toBe(2);
  });

  it('results() maps the order and decodes int, big int and JSON values', async () => {
    let order: ResultOrder | undefined;
    let limit: bigint | undefined;
    const client = clientFor(({ service }) => {
      service(JobService, {
        async *readResults(req) {
          order = req.order;
          limit = req.limit;
          yield { records: [{ key: 'the', value: { kind: { case: 'int', value: 42n } } }] };
          yield {
            records: [
              { key: 'sum', value: { kind: { case: 'int', value: 333338333350000n * 1000n } } },
              { key: 'doc', value: { kind: { case: 'json', value: '["a.txt",2]' } } },
            ],
          };
        },
      });
    });
    const records = [];
    for await (const r of client.job('j-1').results({ order: 'value', limit: 10 })) records.push(r);
    expect(order).toBe(ResultOrder.VALUE_DESC);
    expect(limit).toBe(10n);
    expect(records).toEqual([
      { key: 'the', value: 42 },
      { key: 'sum', value: 333338333350000000n },
      { key: 'doc', value: ['a.txt', 2] },
    ]);
  });
});

describe('scatter and cluster', () => {
  it('scatter() yields item outcomes (single or batched) then the summary, with JSON inputs and values', async () => {
    let inputs: unknown[] = [];
    const client = clientFor(({ service }) => {
      service(ScatterGatherService, {
        async *scatter(req) {
          inputs = req.inputs.map((v) => v.kind.value);
          yield { kind: { case: 'item', value: { index: 1, nodeId: 'mapper-1', attempt: 1, outcome: { case: 'value', value: { kind: { case: 'numberValue', value: 25 } } } } } };
          yield { kind: { case: 'item', value: { index: 0, nodeId: 'mapper-2', attempt: 2, hedged: true, outcome: { case: 'error', value: { code: 4, message: 'item timed out' } } } } };
          yield { kind: { case: 'items', value: { results: [
            { index: 3, nodeId: 'mapper-1', attempt: 1, outcome: { case: 'value', value: { kind: { case: 'numberValue', value: 4 } } } },
            { index: 2, nodeId: 'mapper-2', attempt: 1, outcome: { case: 'value', value: { kind: { case: 'numberValue', value: 2 } } } },
          ] } } };
          yield { kind: { case: 'summary', value: { succeeded: 1, timedOut: 1, wallMs: 9 } } };
        },
      });
    });
    const events = [];
    for await (const e of client.scatter({ function: 'count-primes', inputs: [10, 100] })) events.push(e);
    expect(inputs).toEqual([10, 100]);
    expect(events[0]).toMatchObject({ type: 'item', index: 1, ok: true, value: 25, nodeId: 'mapper-1' });
    expect(events[1]).toMatchObject({ type: 'item', index: 0, ok: false, error: { code: 4, message: 'item timed out' }, hedged: true, attempt: 2 });
    // A batch of items becomes one event per item, in order.
    expect(events.slice(2, 4)).toMatchObject([{ type: 'item', index: 3, value: 4 }, { type: 'item', index: 2, value: 2 }]);
    expect(events[4]).toMatchObject({ type: 'summary', summary: { succeeded: 1, timedOut: 1, wallMs: 9 } });
  });

  it('waitForNodes() polls until the expected workers are alive', async () => {
    let polls = 0;
    const client = clientFor(({ service }) => {
      service(ClusterService, {
        describeCluster() {
          polls++;
          if (polls === 1) throw new ConnectError('coordinator not connected', Code.Unavailable);
          const nodes = [create(NodeSchema, { id: 'mapper-1', role: NodeRole.MAPPER, state: NodeState.ALIVE })];
          if (polls >= 3) nodes.push(create(NodeSchema, { id: 'reducer-1', role: NodeRole.REDUCER, state: NodeState.ALIVE }));
          return { nodes };
        },
      });
    });
    const nodes = await client.waitForNodes({ mappers: 1, reducers: 1, nodeIds: ['mapper-1'], intervalMs: 1 });
    expect(nodes.map((n) => n.id)).toEqual(['mapper-1', 'reducer-1']);
    expect(polls).toBe(3);
  });

  it('waitForNodes() waits through a dropped connection and stops at any other error', async () => {
    let polls = 0;
    const client = clientFor(({ service }) => {
      service(ClusterService, {
        describeCluster() {
          polls++;
          if (polls === 1) throw new ConnectError('read ECONNRESET', Code.Internal);
          if (polls === 2) return { nodes: [create(NodeSchema, { id: 'mapper-1', role: NodeRole.MAPPER, state: NodeState.ALIVE })] };
          throw new ConnectError('no such token', Code.PermissionDenied);
        },
      });
    });
    await expect(client.waitForNodes({ mappers: 1, intervalMs: 1 })).resolves.toHaveLength(1);
    expect(polls).toBe(2);
    await expect(client.waitForNodes({ mappers: 1, intervalMs: 1 })).rejects.toThrow('no such token');
    expect(polls).toBe(3);
  });

  it('waitForNodes() times out naming what is missing', async () => {
    const client = clientFor(({ service }) => {
      service(ClusterService, {
        describeCluster: () => ({ nodes: [create(NodeSchema, { id: 'mapper-1', role: NodeRole.MAPPER, state: NodeState.SUSPECT })] }),
      });
    });
    await expect(client.waitForNodes({ mappers: 1, nodeIds: ['mapper-1'], timeoutMs: 20, intervalMs: 5 })).rejects.toThrow(
      'cluster not ready: 0/1 mappers alive; not alive: mapper-1',
    );
  });
});
