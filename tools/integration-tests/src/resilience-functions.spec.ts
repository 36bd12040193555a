import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { JobState, NodeRole, Phase } from '@weft/client';
import type { ScatterEvent, WeftClient } from '@weft/client';
import { ScatterGatherService } from '@weft/proto';
import { injectFaults } from '@weft/testing';
import { useClusterSuite } from './support/cluster-suite.js';
import { badRecordLocation, counter, eventually, expectExactWordCount, followJob, noticesOf } from './support/resilience-helpers.js';
import { referenceWordCount } from './support/reference-word-count.js';

// Issue 4, "Must show": a function that throws on one record fails the job naming the error and
// the record's location, and with skip_bad_records the job succeeds counting 1 skipped; a cpu map
// function looping forever and a worker thread that exits are stopped or replaced and the task
// retried while the node keeps serving; an io function that hangs forever and a cpu function in an
// infinite loop are stopped by their timeouts (per item, and the caller's own grpc-timeout carried
// gateway -> coordinator -> mapper -> worker thread). And a flood of 500 concurrent submissions
// against an admission limit of 20 gets an answer for every call (accepted or RESOURCE_EXHAUSTED at
// once) while the gateway stays up within bounded memory.

const functionsModule = resolve(import.meta.dirname, '../fixtures/resilience-functions.mjs');
const input = { text: '', file: '', badLine: 0, exitFile: '', exitMarker: '' };

const suite = useClusterSuite(
  'resilience-functions',
  {
    mappers: 2,
    reducers: 1,
    env: {
      WEFT_FUNCTION_MODULES: functionsModule,
      WEFT_TEST_MODE: '1',
      COORDINATOR_TASK_TIMEOUT: '3s',
      COORDINATOR_SPLIT_SIZE: '16KiB',
      GATEWAY_ADMISSION_LIMIT: '20',
      GATEWAY_ADMISSION_QUEUE: '0',
    },
  },
  async (dir) => {
    const lines = Array.from({ length: 3000 }, (_, i) => `line ${i % 17} of the Quick brown fox ${i % 5}`);
    input.badLine = 2024;
    lines[input.badLine - 1] = 'this line holds a BAD-RECORD somewhere';
    input.text = `${lines.join('\n')}\n`;
    input.file = join(dir, 'with-bad-record.txt');
    await writeFile(input.file, input.text);
    input.exitMarker = join(dir, 'exit-once.marker');
    input.exitFile = join(dir, 'exit-once.txt');
    await writeFile(input.exitFile, `alpha beta\nEXIT-ONCE ${input.exitMarker}\nbeta gamma\n`);
  },
);

/** Worker pids by node name, to show that nodes stayed up (no process was replaced). */
function pids(): Record<string, number | undefined> {
  return Object.fromEntries(suite.cluster.nodes.map((n) => [n.name, n.pid]));
}

async function collect(events: AsyncIterable<ScatterEvent>): Promise<ScatterEvent[]> {
  const out: ScatterEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

/** The node still serves: a small word count comes back exact. */
async function stillServes(client: WeftClient): Promise<void> {
  const job = await client.submit({ function: 'wordcount', inputs: [{ records: ['still serving', 'Still here'] }] });
  await expectExactWordCount(job, new Map([['still', 2], ['serving', 1], ['here', 1]]));
}

describe('bad records and crashing code', () => {
  it('a map function that throws on one record fails the job with its message and the record location', () =>
    suite.run(async ({ client }) => {
      const job = await client.submit({ function: 'strict-wordcount', inputs: [{ file: input.file }], maxAttempts: 2 });
      // The location names the file, where its split starts and the line within the split:
      // read independently, that line is the bad record.
      const where = await badRecordLocation(job, input.text);
      const failed = where.job;
      expect(failed.error).toMatch(/failed after 2 attempts: strict-wordcount map failed: refusing a bad record \(at /);
      expect([where.file, where.line]).toEqual([input.file, 'this line holds a BAD-RECORD somewhere']);
      expect(failed.phases.find((p) => p.phase === Phase.MAP)?.attemptsFailed).toBe(2);
    }));

  it('with skip_bad_records the same job succeeds, counting exactly 1 skipped record', () =>
    suite.run(async ({ client }) => {
      const job = await client.submit({ function: 'strict-wordcount', inputs: [{ file: input.file }], skipBadRecords: true });
      const good = input.text.split('\n').filter((l) => !l.includes('BAD-RECORD')).join('\n');
      const done = await expectExactWordCount(job, referenceWordCount(good));
      expect(counter(done, 'map.skipped_records')).toBe(1);
    }));

  it('a map function looping forever is stopped by the task timeout, retried, then fails; the nodes keep serving', () =>
    suite.run(async ({ client }) => {
      const before = pids();
      const job = await client.submit({ function: 'spinning-wordcount', inputs: [{ records: ['fine line', 'SPIN-FOREVER here'] }], maxAttempts: 2 });
      await expect(job.wait()).rejects.toThrow();
      const failed = await job.get();
      expect(failed.error).toMatch(/^map task m-\d+ \(.*\) failed after 2 attempts: .*(timed out|deadline)/i);
      await stillServes(client);
      expect(pids()).toEqual(before);
    }));

  it('a worker thread that exits is replaced and its task retried; the job is exact and the node stays up', () =>
    suite.run(async ({ client }) => {
      const before = pids();
      const job = await client.submit({ function: 'exit-once-wordcount', inputs: [{ file: input.exitFile }] });
      const done = await expectExactWordCount(job, new Map([['alpha', 1], ['beta', 2], ['gamma', 1], ['exit-once', 1], [input.exitMarker.toLowerCase(), 1]]));
      // Retried on the same node by the call's retry policy (the crash is UNAVAILABLE), or elsewhere.
      expect(counter(done, 'map.call_retries') + (done.phases.find((p) => p.phase === Phase.MAP)?.attemptsFailed ?? 0)).toBeGreaterThanOrEqual(1);
      expect(pids()).toEqual(before);
    }));
});

describe('deadlines', () => {
  it('an io function that hangs forever and a cpu function in an infinite loop are stopped by the item timeout', () =>
    suite.run(async ({ client }) => {
      for (const fn of ['hang-forever', 'spin-forever']) {
        const events = await collect(client.scatter({ function: fn, inputs: [1, 2], itemTimeoutMs: 1_000 }));
        const items = events.filter((e) => e.type === 'item');
        expect(items.map((e) => (e.type === 'item' && !e.ok ? e.error.code : 'ok'))).toEqual([Code.DeadlineExceeded, Code.DeadlineExceeded]);
      }
      const primes = await collect(client.scatter({ function: 'count-primes', inputs: [100, 1000] }));
      const answers = primes.flatMap((e) => (e.type === 'item' ? [[e.index, e.ok ? e.value : e.error]] : [])).sort();
      expect(answers).toEqual([[0, 25], [1, 168]]);
    }));

  it("the caller's grpc-timeout stops a cpu loop in its worker thread, and the mappers' slots free up", () =>
    suite.run(async ({ client, gatewayUrl }) => {
      const scatter = createClient(ScatterGatherService, createGrpcTransport({ baseUrl: gatewayUrl }));
      const started = Date.now();
      const call = async (): Promise<void> => {
        for await (const _ of scatter.scatter({ function: 'spin-forever', inputs: [{ kind: { case: 'numberValue', value: 1 } }, { kind: { case: 'numberValue', value: 2 } }], maxConcurrency: 2 }, { timeoutMs: 2_000 })) {
          // no item can finish
        }
      };
      const error = await call().then(() => undefined, (e: unknown) => ConnectError.from(e));
      expect(error?.code).toBe(Code.DeadlineExceeded);
      expect(Date.now() - started).toBeLessThan(30_000);
      // The threads that spun were terminated and replaced: every mapper reports no busy slot.
      await eventually('no mapper slot is busy', async () => (await client.cluster()).filter((n) => n.role === NodeRole.MAPPER).every((n) => n.busySlots === 0), 30_000);
      await stillServes(client);
    }));
});

describe('shuffle failures', () => {
  it('a map output a reducer cannot fetch is reported, recomputed on another mapper, and the job stays exact', () =>
    suite.run(async ({ client, mapper }) => {
      await injectFaults(mapper(0), { errorRate: 1, methods: ['StreamPartition'] });
      try {
        const job = await client.submit({ function: 'strict-wordcount', inputs: [{ file: input.file }], skipBadRecords: true });
        const log = followJob(job);
        const good = input.text.split('\n').filter((l) => !l.includes('BAD-RECORD')).join('\n');
        await expectExactWordCount(job, referenceWordCount(good));
        await log.ended;
        expect(noticesOf(log.events).some((n) => /^map output m-\d+ could not be fetched from node mapper-1; recomputing$/.test(n))).toBe(true);
      } finally {
        await injectFaults(mapper(0), {});
      }
    }));
});

describe('graceful shutdown', () => {
  it('SIGTERM makes a mapper finish or hand back its attempts and exit 0 within the drain bound; the job stays exact', () =>
    suite.run(async ({ client, mapper }) => {
      const node = mapper(1);
      await injectFaults(node, { latencyMs: 1_500, methods: ['RunMapTask'] });
      const job = await client.submit({ function: 'strict-wordcount', inputs: [{ file: input.file }], skipBadRecords: true });
      await eventually('the job runs map attempts', async () => (await job.get()).phases.some((p) => p.phase === Phase.MAP && p.tasksRunning > 0));
      const stopping = Date.now();
      node.kill('SIGTERM');
      expect(await node.exited).toEqual({ code: 0, signal: null });
      expect(Date.now() - stopping).toBeLessThan(15_000);
      const good = input.text.split('\n').filter((l) => !l.includes('BAD-RECORD')).join('\n');
      await expectExactWordCount(job, referenceWordCount(good));
      await node.restart();
    }));
});

describe('gateway admission control', () => {
  it('answers each of 500 concurrent submissions against a limit of 20: accepted or RESOURCE_EXHAUSTED, and stays up', () =>
    suite.run(async ({ client }) => {
      const gatewayRss = async (): Promise<number> => Number((await client.cluster()).find((n) => n.role === NodeRole.GATEWAY)?.rssBytes);
      const rssBefore = await gatewayRss();
      const started = Date.now();
      const outcomes = await Promise.all(
        Array.from({ length: 500 }, (_, i) =>
          client.submit({ function: 'wordcount', inputs: [{ records: [`flood ${i % 7}`] }] }).then(
            (job) => ({ ok: true as const, job }),
            (error: unknown) => ({ ok: false as const, code: ConnectError.from(error).code, message: ConnectError.from(error).rawMessage }),
          ),
        ),
      );
      expect(Date.now() - started).toBeLessThan(60_000);
      const refused = outcomes.filter((o) => !o.ok);
      const accepted = outcomes.flatMap((o) => (o.ok ? [o.job] : []));
      expect(new Set(refused.map((o) => (o.ok ? '' : `${o.code} ${o.message}`)))).toEqual(
        new Set([`${Code.ResourceExhausted} the gateway is at its admission limit (20 calls running, 0 queued): retry later`]),
      );
      expect(accepted.length).toBeGreaterThanOrEqual(20);
      expect(refused.length).toBeGreaterThan(0);
      // The gateway is up and its memory barely moved; every accepted job runs to its end.
      expect((await gatewayRss()) - rssBefore).toBeLessThan(100 * 1024 * 1024);
      for (const job of accepted) expect((await job.wait()).state).toBe(JobState.SUCCEEDED);
    }));
});
