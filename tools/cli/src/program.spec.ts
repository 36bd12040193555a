import { PassThrough } from 'node:stream';
import { create } from '@bufbuild/protobuf';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { Code, ConnectError, createRouterTransport } from '@connectrpc/connect';
import type { ConnectRouter } from '@connectrpc/connect';
import type { SubmitJobRequest } from '@weft/proto';
import { ClusterService, JobSchema, JobService, JobState, NodeRole, NodeState, Phase, ScatterGatherService } from '@weft/proto';
import type { CliIo } from './cli-io.js';
import { runCli } from './program.js';

// Commands run in-process against an in-memory gateway (a Connect router with fake handlers);
// CLI-as-a-subprocess tests against a real cluster live in the integration suite.

function capture(isTTY = false) {
  const stream = Object.assign(new PassThrough(), { isTTY });
  let text = '';
  stream.on('data', (c: Buffer) => (text += c.toString()));
  return { stream, text: () => text };
}

async function run(argv: string[], routes: (router: ConnectRouter) => void = () => undefined) {
  const out = capture();
  const err = capture();
  const io: CliIo = { stdout: out.stream, stderr: err.stream, env: {}, cwd: '/work/dir', interrupted: new Promise(() => undefined) };
  const code = await runCli(argv, io, createRouterTransport(routes));
  return { code, stdout: out.text(), stderr: err.text() };
}

const job = (init: MessageInitShape<typeof JobSchema>) => create(JobSchema, { id: 'j-1', function: 'wordcount', ...init });
const phases = [
  { phase: Phase.MAP, tasksTotal: 2, tasksDone: 2, recordsIn: 10n },
  { phase: Phase.REDUCE, tasksTotal: 1, tasksDone: 1 },
];

function jobRoutes(final: JobState, seen: { req?: SubmitJobRequest } = {}) {
  return ({ service }: ConnectRouter) => {
    service(JobService, {
      submitJob(req) {
        seen.req = req;
        return { jobId: 'j-1' };
      },
      async *watchJob() {
        yield { sequence: 1n, event: { case: 'snapshot', value: job({ state: JobState.RUNNING }) } };
        yield { sequence: 2n, phases, event: { case: 'task', value: { taskId: 'm-0', phase: Phase.MAP, attempt: 1, nodeId: 'mapper-1' } } };
        yield { sequence: 3n, phases, event: { case: 'state', value: final } };
      },
      getJob: () => ({ job: job({ state: final, phases, resultCount: 3n, error: final === JobState.FAILED ? 'task m-0 exhausted 4 attempts' : '' }) }),
      async *readResults(req) {
        yield {
          records: [
            { key: 'the', value: { kind: { case: 'int' as const, value: 5n } } },
            { key: 'a', value: { kind: { case: 'int' as const, value: 3n } } },
            { key: 'big', value: { kind: { case: 'int' as const, value: 9007199254740993n } } },
          ].slice(0, Number(req.limit) || undefined),
        };
      },
    });
  };
}

describe('weft submit', () => {
  it('--wait --json prints one JSON document with the final job, and sends absolute paths', async () => {
    const seen: { req?: SubmitJobRequest } = {};
    const res = await run(['submit', 'wordcount', '--input', 'corpus.txt', '--param', 'minLength=3', '--wait', '--json'], jobRoutes(JobState.SUCCEEDED, seen));
    expect(res.code).toBe(0);
    const doc = JSON.parse(res.stdout) as { jobId: string; job: { state: string; resultCount: string } };
    expect(doc.jobId).toBe('j-1');
    expect(doc.job).toMatchObject({ state: 'JOB_STATE_SUCCEEDED', resultCount: '3' });
    expect(seen.req?.spec?.inputs[0]?.source).toMatchObject({ case: 'file', value: { path: '/work/dir/corpus.txt' } });
    expect(seen.req?.spec?.params).toEqual({ minLength: 3 });
    // Not a terminal: plain progress lines, on stderr so stdout stays one JSON document.
    expect(res.stderr).toContain('map 2/2 tasks');
  });

  it('--wait exits 1 when the job fails, naming the error', async () => {
    const res = await run(['submit', 'wordcount', '--text', 'a b', '--wait'], jobRoutes(JobState.FAILED));
    expect(res.code).toBe(1);
    expect(res.stdout).toContain('job j-1 failed in');
    expect(res.stdout).toContain('task m-0 exhausted 4 attempts');
    expect(res.stderr).toContain('error: job j-1 failed: task m-0 exhausted 4 attempts');
  });

  it('exits 2 when the gateway rejects the function, 3 when it is unreachable', async () => {
    const notFound = await run(['submit', 'nope', '--text', 'a'], ({ service }) => {
      service(JobService, {
        submitJob() {
          throw new ConnectError('function "nope" is not registered', Code.NotFound);
        },
      });
    });
    expect(notFound.code).toBe(2);
    expect(notFound.stderr).toBe('error: function "nope" is not registered (NotFound)\n');
    const down = await run(['cluster', '--gateway', 'http://127.0.0.1:9'], ({ service }) => {
      service(ClusterService, {
        describeCluster() {
          throw new ConnectError('connect ECONNREFUSED', Code.Unavailable);
        },
      });
    });
    expect(down.code).toBe(3);
    expect(down.stderr).toBe('error: cannot reach the gateway at http://127.0.0.1:9: connect ECONNREFUSED\n');
  });
});

describe('weft results, watch, cluster, scatter', () => {
  it('results --json keeps big integers exact', async () => {
    const res = await run(['results', 'j-1', '--order', 'value', '--json'], jobRoutes(JobState.SUCCEEDED));
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('"value": 9007199254740993');
    expect(JSON.parse(res.stdout)).toMatchObject({ jobId: 'j-1', order: 'value', records: [{ key: 'the', value: 5 }, { key: 'a', value: 3 }, { key: 'big' }] });
  });

  it('results prints a table honouring --limit', async () => {
    const res = await run(['results', 'j-1', '--limit', '2'], jobRoutes(JobState.SUCCEEDED));
    expect(res.stdout).toMatch(/KEY.*VALUE/);
    expect(res.stdout).toMatch(/the\s*│\s*5/);
    expect(res.stdout).not.toContain('big');
  });

  it('watch prints one line per event and exits 1 for a cancelled job', async () => {
    const res = await run(['watch', 'j-1'], jobRoutes(JobState.CANCELLED));
    expect(res.code).toBe(1);
    expect(res.stdout.split('\n')).toEqual([
      '#1 job j-1 (wordcount) is running',
      '#2 map task m-0 #1 unspecified on mapper-1',
      '#3 job is cancelled',
      '',
    ]);
  });

  it('cluster lists every node with role, address and slots', async () => {
    const res = await run(['cluster'], ({ service }) => {
      service(ClusterService, {
        describeCluster: () => ({
          nodes: [
            { id: 'gateway-1', role: NodeRole.GATEWAY, address: 'http://127.0.0.1:8080', state: NodeState.ALIVE },
            { id: 'mapper-1', role: NodeRole.MAPPER, address: 'http://127.0.0.1:7401', slots: 4, busySlots: 1, state: NodeState.ALIVE },
          ],
        }),
      });
    });
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/mapper-1\s*│\s*mapper\s*│\s*http:\/\/127\.0\.0\.1:7401\s*│\s*alive\s*│\s*4\s*│\s*1/);
    expect(res.stdout).toMatch(/gateway-1\s*│\s*gateway/);
  });

  it('scatter --json orders items by index and exits 1 when an item failed', async () => {
    const res = await run(['scatter', 'count-primes', '--inputs', '[10, 100]', '--json'], ({ service }) => {
      service(ScatterGatherService, {
        async *scatter() {
          yield { kind: { case: 'item', value: { index: 1, nodeId: 'mapper-1', attempt: 1, outcome: { case: 'value', value: { kind: { case: 'numberValue', value: 25 } } } } } };
          yield { kind: { case: 'item', value: { index: 0, nodeId: 'mapper-2', attempt: 1, outcome: { case: 'error', value: { code: 4, message: 'timed out' } } } } };
          yield { kind: { case: 'summary', value: { succeeded: 1, timedOut: 1 } } };
        },
      });
    });
    expect(res.code).toBe(1);
    const doc = JSON.parse(res.stdout) as { items: { index: number }[]; summary: { succeeded: number } };
    expect(doc.items.map((i) => i.index)).toEqual([0, 1]);
    expect(doc.items[1]).toMatchObject({ ok: true, value: 25, nodeId: 'mapper-1' });
    expect(doc.summary).toEqual({ succeeded: 1, failed: 0, timedOut: 1, hedged: 0, cancelled: 0, wallMs: 0, traceId: '' });
  });
});

describe('weft top', () => {
  it('refreshes the node view and shows tasks per second between refreshes', async () => {
    let polls = 0;
    const res = await run(['top', '--interval', '100', '--iterations', '2'], ({ service }) => {
      service(ClusterService, {
        describeCluster() {
          polls++;
          return {
            nodes: [
              { id: 'mapper-1', role: NodeRole.MAPPER, state: NodeState.ALIVE, slots: 2, busySlots: 1, queued: 3, bulkheadRejections: 7n, tasksCompleted: polls === 1 ? 10n : 1000n },
            ],
          };
        },
      });
    });
    expect(res.code).toBe(0);
    const frames = res.stdout.trim().split('\n\n');
    expect(frames).toHaveLength(2);
    expect(frames[0]).toMatch(/1 nodes \(1 alive\), 1\/2 worker slots busy/);
    expect(frames[0]).toMatch(/mapper-1\s*│\s*mapper\s*│\s*alive\s*│\s*1\/2\s*│\s*3\s*│\s*0\s*│\s*-\s*│\s*7\s*│\s*10\s*│\s*-/);
    // 990 tasks in ~100 ms: several thousand per second, never "-" once there is a previous refresh.
    const rate = Number(/│\s*1000\s*│\s*([\d.]+)\s*│/.exec(frames[1]!)?.[1]);
    expect(rate).toBeGreaterThan(1000);
    expect(rate).toBeLessThanOrEqual(9900);
  });
});

describe('usage', () => {
  it('--help exits 0 and shows examples for every command', async () => {
    for (const cmd of ['dev', 'submit', 'results', 'watch', 'jobs', 'cancel', 'cluster', 'functions', 'top', 'scatter', 'demo']) {
      const res = await run([cmd, '--help']);
      expect(res.code).toBe(0);
      expect(res.stdout).toContain('Examples:');
    }
  });

  it('exits 2 on an unknown command, option or malformed value', async () => {
    expect((await run(['bogus'])).code).toBe(2);
    expect((await run(['submit', 'wordcount', '--text', 'a', '--nope'])).code).toBe(2);
    const bad = await run(['jobs', '--state', 'sleeping']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('error: --state must be one of queued, running, succeeded, failed, cancelled, got "sleeping"\n');
  });
});
