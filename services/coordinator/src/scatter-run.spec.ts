import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { ValueSchema } from '@bufbuild/protobuf/wkt';
import { Code, ConnectError, createClient, createRouterTransport } from '@connectrpc/connect';
import { defineFunction, FunctionRegistry } from '@weft/jobs';
import { BreakerState, NodeRole, ScatterRequestSchema, type ScatterResponse } from '@weft/proto';
import { MapperService, type RunScatterItemsRequest, type RunScatterItemsResponseSchema } from '@weft/proto/cluster';
import type { ClientFactory } from '@weft/rpc';
import { createLogger } from '@weft/telemetry';
import { NodePolicies, type NodePolicyOptions } from './node-policies.js';
import { ScatterRun } from './scatter-run.js';
import { registerFake } from './testing/register-fake.js';
import { until } from './testing/until.js';
import { validateScatterRequest } from './validate-scatter.js';
import { WorkerRegistry } from './worker-registry.js';

/** Error codes the fake mappers answer for special values: `invalid` everywhere, the others on node `a` only. */
const failures: Record<string, { code: Code; everywhere: boolean }> = {
  crash: { code: Code.Unavailable, everywhere: false },
  exhausted: { code: Code.ResourceExhausted, everywhere: false },
  invalid: { code: Code.InvalidArgument, everywhere: true },
};

/**
 * A fake mapper per node id: each item's input is `{ ms, value }`; it answers `value` after `ms`
 * (ms < 0: never on node `a`, at once elsewhere), or an error for the values in {@link failures};
 * records what it was sent and cancelled, and counts items in flight. Streams to the nodes in
 * `failing` fail at once with UNAVAILABLE (like an injected fault).
 */
class FakeMappers {
  inFlight = 0;
  peak = 0;
  readonly started: Array<{ node: string; input: unknown }> = [];
  readonly cancelled: Array<{ node: string; id: number }> = [];
  readonly failing = new Set<string>();
  streams = 0;

  factory(): ClientFactory {
    const client = (node: string) => createClient(MapperService, createRouterTransport((router) => router.service(MapperService, { runScatterItems: (requests) => this.serve(node, requests) })));
    return {
      client: ((_service: unknown, baseUrl: string) => client(new URL(baseUrl).hostname)) as ClientFactory['client'],
      transport: () => { throw new Error('unused'); },
      http2: () => { throw new Error('unused'); },
      forget: () => undefined,
      close: () => undefined,
    };
  }

  private async *serve(node: string, requests: AsyncIterable<RunScatterItemsRequest>): AsyncGenerator<MessageInitShape<typeof RunScatterItemsResponseSchema>> {
    this.streams += 1;
    if (this.failing.has(node)) throw new ConnectError('injected fault in RunScatterItems', Code.Unavailable);
    const answers: Array<{ id: number; valueJson: string; code: Code | undefined }> = [];
    let wake: (() => void) | undefined;
    const timers = new Map<number, NodeJS.Timeout>();
    let open = true;
    void (async () => {
      for await (const request of requests) {
        if (request.kind.case === 'items') {
          for (const item of request.kind.value.items) {
            const { ms, value } = JSON.parse(item.inputJson) as { ms: number; value: unknown };
            this.started.push({ node, input: value });
            this.inFlight += 1;
            this.peak = Math.max(this.peak, this.inFlight);
            if (ms < 0 && node === 'a') continue;
            timers.set(item.id, setTimeout(() => {
              timers.delete(item.id);
              this.inFlight -= 1;
              const failure = typeof value === 'string' ? failures[value] : undefined;
              answers.push({ id: item.id, valueJson: JSON.stringify(value), code: failure && (failure.everywhere || node === 'a') ? failure.code : undefined });
              wake?.();
            }, Math.max(0, ms)));
          }
        } else if (request.kind.case === 'cancel') {
          for (const id of request.kind.value.ids) {
            this.cancelled.push({ node, id });
            if (timers.has(id)) clearTimeout(timers.get(id));
            timers.delete(id);
            this.inFlight -= 1;
          }
        }
      }
      for (const timer of timers.values()) clearTimeout(timer);
      open = false;
      wake?.();
    })();
    while (open || answers.length > 0) {
      if (answers.length === 0) {
        await new Promise<void>((resolve) => (wake = resolve));
        continue;
      }
      yield {
        outcomes: answers.splice(0).map((a) => ({
          id: a.id,
          outcome: a.code !== undefined ? { case: 'error', value: { code: a.code, message: `failed with ${Code[a.code]}` } } : { case: 'valueJson', value: a.valueJson },
        })),
      };
    }
  }
}

const log = createLogger({ service: 'test', level: 'silent' });
const functions = FunctionRegistry.withBuiltins();
// Like echo, but not declared idempotent: an attempt that timed out is not run again.
functions.register(defineFunction({ name: 'echo-once', description: 'echo, not idempotent', params: {}, executor: 'io', run: (input: unknown) => input }));
const policyOptions: NodePolicyOptions = {
  breakerThreshold: 3, breakerHalfOpenAfterMs: 60_000, bulkheadQueue: 4, callRetries: 2,
  retryInitialDelayMs: 1, retryMaxDelayMs: 5, probeIntervalMs: 3_600_000, probeTimeoutMs: 1_000,
};

async function setup(nodes: string[], options: Partial<NodePolicyOptions> = {}) {
  const registry = new WorkerRegistry({ heartbeatIntervalMs: 60_000, nodeTimeoutMs: 600_000, coordinatorId: 'c', log });
  const workers = await Promise.all(nodes.map((nodeId) => registerFake(registry, { nodeId, role: NodeRole.MAPPER, slots: 2 })));
  const mappers = new FakeMappers();
  const clients = mappers.factory();
  const policies = new NodePolicies(registry, clients, { ...policyOptions, ...options }, log);
  const notices: string[] = [];
  policies.on('notice', (notice) => notices.push(notice));
  // As the scatter service does: a freed slot lets waiting attempts go.
  const runs = new Set<ScatterRun>();
  policies.on('freed', () => runs.forEach((r) => r.nudge()));
  const run = (fields: Record<string, unknown>, inputs: Array<{ ms: number; value: unknown }>) => {
    const request = create(ScatterRequestSchema, {
      function: 'echo', maxConcurrency: 4, ...fields,
      inputs: inputs.map(fromPlain),
    });
    const scatter = new ScatterRun(validateScatterRequest(request, functions), { registry, clients, load: new Map(), policies, log });
    runs.add(scatter);
    return scatter;
  };
  const close = async () => {
    for (const w of workers) await w.end();
    policies.close();
    registry.close();
  };
  return { registry, workers, mappers, policies, notices, run, close };
}

function fromPlain(input: { ms: number; value: unknown }) {
  return create(ValueSchema, { kind: { case: 'structValue', value: { fields: {
    ms: create(ValueSchema, { kind: { case: 'numberValue', value: input.ms } }),
    value: create(ValueSchema, typeof input.value === 'string'
      ? { kind: { case: 'stringValue', value: input.value } }
      : { kind: { case: 'numberValue', value: input.value as number } }),
  } } } });
}

async function all(run: ScatterRun): Promise<ScatterResponse[]> {
  const out: ScatterResponse[] = [];
  for await (const response of run.responses()) out.push(response);
  return out;
}

const items = (responses: ScatterResponse[]) =>
  responses.flatMap((r) => (r.kind.case === 'item' ? [r.kind.value] : r.kind.case === 'items' ? r.kind.value.results : [])).sort((a, b) => a.index - b.index);
const summary = (responses: ScatterResponse[]) => {
  const last = responses.at(-1)!;
  if (last.kind.case !== 'summary') throw new Error('no summary last');
  const { succeeded, failed, timedOut, hedged, cancelled } = last.kind.value;
  return { succeeded, failed, timedOut, hedged, cancelled };
};
const valueOf = (item: ReturnType<typeof items>[number]) => (item.outcome.case === 'value' ? item.outcome.value.kind.value : { code: item.outcome.value?.code });

describe('ScatterRun', () => {
  it('answers every item, never more than max_concurrency in flight, spread over the nodes', async () => {
    const { mappers, run, close } = await setup(['a', 'b']);
    const inputs = Array.from({ length: 40 }, (_, i) => ({ ms: 1 + (i % 5), value: i }));
    const responses = await all(run({ maxConcurrency: 4 }, inputs));
    expect(items(responses).map(valueOf)).toEqual(inputs.map((i) => i.value));
    expect(summary(responses)).toEqual({ succeeded: 40, failed: 0, timedOut: 0, hedged: 0, cancelled: 0 });
    expect(mappers.peak).toBe(4);
    expect(new Set(mappers.started.map((s) => s.node))).toEqual(new Set(['a', 'b']));
    await close();
  });

  it('times an attempt out as a DEADLINE_EXCEEDED item and cancels it on its node (no retry: the function is not idempotent)', async () => {
    const { mappers, run, close } = await setup(['a']);
    const responses = await all(run({ function: 'echo-once', itemTimeoutMs: 30 }, [{ ms: 1, value: 1 }, { ms: -1, value: 2 }]));
    expect(items(responses).map(valueOf)).toEqual([1, { code: 4 }]);
    expect(items(responses)[1]!.outcome).toMatchObject({ case: 'error', value: { message: 'item 1 exceeded its 30 ms timeout (attempt 1 on a)' } });
    expect(summary(responses)).toMatchObject({ succeeded: 1, timedOut: 1 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(mappers.cancelled).toHaveLength(1);
    await close();
  });

  it("retries an idempotent function's timed-out attempt with backoff, up to the retry limit", async () => {
    const { mappers, run, close } = await setup(['a']);
    const responses = await all(run({ itemTimeoutMs: 30 }, [{ ms: 1, value: 1 }, { ms: -1, value: 2 }]));
    expect(items(responses).map(valueOf)).toEqual([1, { code: 4 }]);
    // Two retries (COORDINATOR_CALL_RETRIES): three attempts, each cancelled on the node.
    expect(items(responses)[1]!.outcome).toMatchObject({ case: 'error', value: { message: 'item 1 exceeded its 30 ms timeout (attempt 3 on a)' } });
    expect(items(responses)[1]!.attempt).toBe(3);
    await new Promise((resolve) => setImmediate(resolve));
    expect(mappers.cancelled).toHaveLength(3);
    await close();
  });

  it('hedges a slow item onto the other node, where the first answer wins', async () => {
    const { mappers, run, close } = await setup(['a', 'b']);
    // Item 0 goes to a (least loaded, first), where it hangs; its hedge runs on b.
    const responses = await all(run({ hedgeAfterMs: 20, maxConcurrency: 2 }, [{ ms: -1, value: 7 }]));
    expect(items(responses)).toMatchObject([{ index: 0, nodeId: 'b', attempt: 2, hedged: true }]);
    expect(valueOf(items(responses)[0]!)).toBe(7);
    expect(summary(responses)).toEqual({ succeeded: 1, failed: 0, timedOut: 0, hedged: 1, cancelled: 0 });
    await close();
    expect(mappers.started.map((s) => s.node)).toEqual(['a', 'b']);
  });

  it('ends at min_successes and cancels what still runs', async () => {
    const { run, close } = await setup(['a', 'b']);
    const responses = await all(run({ minSuccesses: 2, maxConcurrency: 4 }, [{ ms: 1, value: 1 }, { ms: 10_000, value: 2 }, { ms: 2, value: 3 }, { ms: 10_000, value: 4 }]));
    expect(items(responses).map(valueOf)).toEqual([1, 3]);
    expect(summary(responses)).toEqual({ succeeded: 2, failed: 0, timedOut: 0, hedged: 0, cancelled: 2 });
    await close();
  });

  it('re-runs the items of a node that leaves on another node', async () => {
    const { workers, mappers, run, close } = await setup(['a', 'b']);
    // Item 0 goes to a, where it hangs; when a leaves, it runs again on b.
    const done = all(run({ maxConcurrency: 2 }, [{ ms: -1, value: 1 }, { ms: 5, value: 2 }]));
    await until(() => mappers.started.some((s) => s.node === 'a' && s.input === 1), 'item 0 runs on a');
    await workers[0]!.end();
    const responses = await done;
    expect(items(responses)).toMatchObject([{ index: 0, nodeId: 'b', attempt: 2 }, { index: 1, nodeId: 'b', attempt: 1 }]);
    expect(items(responses).map(valueOf)).toEqual([1, 2]);
    await close();
  });

  it('runs an item whose worker thread crashed (UNAVAILABLE) again on another node', async () => {
    const { run, close } = await setup(['a', 'b']);
    const responses = await all(run({ maxConcurrency: 1 }, [{ ms: 1, value: 'crash' }]));
    expect(items(responses)).toMatchObject([{ index: 0, nodeId: 'b', attempt: 2 }]);
    expect(items(responses)[0]!.outcome).toMatchObject({ case: 'value', value: { kind: { case: 'stringValue', value: 'crash' } } });
    await close();
  });

  it('waits for a mapper when none is alive, and starts once one joins', async () => {
    const { registry, run, close } = await setup([]);
    const scatter = run({ maxConcurrency: 2 }, [{ ms: 1, value: 5 }]);
    const done = all(scatter);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const joined = await registerFake(registry, { nodeId: 'b', role: NodeRole.MAPPER, slots: 1 });
    scatter.nudge();
    expect(items(await done)).toMatchObject([{ index: 0, nodeId: 'b', attempt: 1 }]);
    await joined.end();
    await close();
  });
  it('retries an item only on a retryable code: RESOURCE_EXHAUSTED goes to another node, INVALID_ARGUMENT is final', async () => {
    const { mappers, run, close } = await setup(['a', 'b']);
    // One at a time, so each first attempt lands on a (least loaded, first).
    const responses = await all(run({ maxConcurrency: 1 }, [{ ms: 1, value: 'exhausted' }, { ms: 1, value: 'invalid' }]));
    expect(items(responses)).toMatchObject([{ index: 0, nodeId: 'b', attempt: 2 }, { index: 1, nodeId: 'a', attempt: 1 }]);
    expect(valueOf(items(responses)[0]!)).toBe('exhausted');
    expect(items(responses)[1]!.outcome).toMatchObject({ case: 'error', value: { code: Code.InvalidArgument, message: 'failed with InvalidArgument' } });
    expect(mappers.started.map((s) => `${s.node}:${String(s.input)}`)).toEqual(['a:exhausted', 'b:exhausted', 'a:invalid']);
    await close();
  });

  it('sends a node whose bulkhead is full no more items; its rejection is counted and announced, and the items run elsewhere', async () => {
    const { registry, policies, notices, mappers, run, close } = await setup(['a', 'b'], { bulkheadQueue: 1 });
    // Node a's two slots and its one queue place are taken (by map attempts, say).
    const a = registry.get('a')!;
    let release!: () => void;
    const held = new Promise<string>((resolve) => (release = () => resolve('done')));
    const holders = [0, 1, 2].map(() => policies.execute(a, { timeoutMs: 0, idempotent: false, signal: new AbortController().signal }, () => held));
    expect(policies.freeSlots(a)).toBe(0);
    // Quick and slow items mixed: quick ones free permits while b's slots are still held by the
    // slow ones, so waiting attempts look for a queue, and a's is full.
    const inputs = Array.from({ length: 24 }, (_, i) => ({ ms: i % 2 === 0 ? 1 : 25, value: i }));
    const responses = await all(run({ maxConcurrency: 8 }, inputs));
    expect(items(responses).map(valueOf)).toEqual(inputs.map((i) => i.value));
    expect(new Set(items(responses).map((i) => i.nodeId))).toEqual(new Set(['b']));
    expect(new Set(mappers.started.map((s) => s.node))).toEqual(new Set(['b']));
    expect(mappers.started).toHaveLength(24);
    expect(policies.rejections(a)).toBeGreaterThanOrEqual(1);
    expect(policies.rejections(registry.get('b')!)).toBe(0);
    expect(notices).toContain('node a rejected a call: its 2 slots and queue of 1 are full (bulkhead)');
    release();
    await Promise.all(holders);
    await close();
  });

  it("opens the breaker of a node whose scatter streams fail and runs its items elsewhere, each exactly once", async () => {
    const { registry, policies, notices, mappers, run, close } = await setup(['a', 'b'], { breakerThreshold: 2 });
    mappers.failing.add('a');
    const inputs = Array.from({ length: 12 }, (_, i) => ({ ms: 2, value: i }));
    const responses = await all(run({ maxConcurrency: 4 }, inputs));
    expect(items(responses).map(valueOf)).toEqual(inputs.map((i) => i.value));
    expect(items(responses)).toHaveLength(12);
    expect(new Set(items(responses).map((i) => i.nodeId))).toEqual(new Set(['b']));
    // Batches sent to a failed with its stream (two failures open its breaker); their items ran again on b.
    expect(items(responses).filter((i) => i.attempt === 2).length).toBeGreaterThanOrEqual(2);
    expect(items(responses).every((i) => i.attempt <= 2)).toBe(true);
    expect(mappers.started.filter((s) => s.node === 'a')).toEqual([]);
    expect(policies.breakerState(registry.get('a')!)).toBe(BreakerState.OPEN);
    expect(notices).toContain('breaker of node a is open: work is routed to other nodes');
    // No stream to a after the breaker opened: one for the first wave, none since.
    const streamsSoFar = mappers.streams;
    await all(run({ maxConcurrency: 4 }, inputs.slice(0, 4)));
    expect(mappers.streams).toBe(streamsSoFar + 1);
    expect(summary(responses)).toEqual({ succeeded: 12, failed: 0, timedOut: 0, hedged: 0, cancelled: 0 });
    await close();
  });
});
