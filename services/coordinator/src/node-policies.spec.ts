import { Code, ConnectError } from '@connectrpc/connect';
import { UserCodeError } from '@weft/errors';
import { isBulkheadRejectedError } from 'cockatiel';
import { BreakerState, NodeRole } from '@weft/proto';
import type { ClientFactory } from '@weft/rpc';
import { createLogger } from '@weft/telemetry';
import { NodePolicies, type NodePolicyOptions } from './node-policies.js';
import { SlotScheduler } from './slot-scheduler.js';
import { registerFake } from './testing/register-fake.js';
import { WorkerRegistry, type WorkerNode } from './worker-registry.js';

const log = createLogger({ service: 'test', level: 'silent' });
const options: NodePolicyOptions = {
  breakerThreshold: 2, breakerHalfOpenAfterMs: 50, bulkheadQueue: 0, callRetries: 1,
  retryInitialDelayMs: 1, retryMaxDelayMs: 2, probeIntervalMs: 3_600_000, probeTimeoutMs: 1_000,
};
const noClients = {} as ClientFactory;
const signal = new AbortController().signal;
const call = { timeoutMs: 0, idempotent: false, signal };

describe('NodePolicies', () => {
  let registry: WorkerRegistry;
  let policies: NodePolicies;
  let node: WorkerNode;
  let end: () => Promise<void>;
  const notices: string[] = [];
  beforeEach(async () => {
    registry = new WorkerRegistry({ heartbeatIntervalMs: 1000, nodeTimeoutMs: 60_000, coordinatorId: 'c', log });
    policies = new NodePolicies(registry, noClients, options, log);
    policies.on('notice', (n) => notices.push(n));
    notices.length = 0;
    ({ end } = await registerFake(registry, { nodeId: 'm1', role: NodeRole.MAPPER, slots: 1 }));
    node = registry.get('m1')!;
  });
  afterEach(async () => {
    await end();
    policies.close();
    registry.close();
  });

  it('retries UNAVAILABLE once on the same node and reports the retry', async () => {
    let calls = 0;
    const retried: unknown[] = [];
    const value = await policies.execute(node, { ...call, onRetry: (e) => retried.push(e) }, async () => {
      calls += 1;
      if (calls === 1) throw new ConnectError('blip', Code.Unavailable);
      return 'ok';
    });
    expect({ value, calls, retried: retried.length }).toEqual({ value: 'ok', calls: 2, retried: 1 });
    expect(policies.breakerState(node)).toBe(BreakerState.CLOSED);
  });

  it('opens the breaker after consecutive node faults (not user-code errors), routes the scheduler away, then half-opens and closes', async () => {
    const fail = (error: unknown) => policies.execute(node, { ...call, idempotent: true }, () => Promise.reject(error));
    await expect(fail(new UserCodeError('boom', 'a.txt line 1'))).rejects.toMatchObject({ kind: 'user-code-failed' });
    await expect(fail(new UserCodeError('boom', 'a.txt line 2'))).rejects.toMatchObject({ kind: 'user-code-failed' });
    expect(policies.breakerState(node)).toBe(BreakerState.CLOSED);

    // One failing call = the first attempt and one retry: two consecutive faults open it.
    await expect(fail(new ConnectError('down', Code.Unavailable))).rejects.toMatchObject({ code: Code.Unavailable });
    expect(policies.breakerState(node)).toBe(BreakerState.OPEN);
    expect(policies.isUsable(node)).toBe(false);
    expect(notices).toContain('breaker of node m1 is open: work is routed to other nodes');
    const refused = await policies.execute(node, call, async () => 'never').catch((e: unknown) => e);
    expect(NodePolicies.isBreakerOpen(refused)).toBe(true);

    const scheduler = new SlotScheduler(registry, (n) => policies.isUsable(n));
    const abort = new AbortController();
    const waiting = scheduler.acquire(NodeRole.MAPPER, { signal: abort.signal });
    expect(scheduler.waiting(NodeRole.MAPPER)).toBe(1);

    await new Promise((resolve) => setTimeout(resolve, 60));
    await expect(policies.execute(node, call, async () => 'probe ok')).resolves.toBe('probe ok');
    expect(policies.breakerState(node)).toBe(BreakerState.CLOSED);
    expect(notices).toEqual(expect.arrayContaining(['breaker of node m1 is halfopen', 'breaker of node m1 is closed']));
    registry.emit('changed');
    (await waiting).release(true);
  });

  it('rejects a call beyond the slots and queue with a bulkhead notice, and never counts a cancelled call as a fault', async () => {
    let release = (): void => undefined;
    const busy = policies.execute(node, call, () => new Promise<string>((resolve) => (release = () => resolve('done'))));
    const rejected = await policies.execute(node, { ...call, onRetry: () => undefined }, async () => 'x').catch((e: unknown) => e);
    expect(notices).toContain('node m1 rejected a call: its 1 slots and queue of 0 are full (bulkhead)');
    expect(isBulkheadRejectedError(rejected)).toBe(true);
    release();
    await busy;

    for (let i = 0; i < 3; i++) {
      const abort = new AbortController();
      const pending = policies.execute(node, { timeoutMs: 10_000, idempotent: false, signal: abort.signal }, () => new Promise(() => undefined));
      abort.abort();
      await expect(pending).rejects.toBeDefined();
    }
    expect(policies.breakerState(node)).toBe(BreakerState.CLOSED);
  });
  it('runs a scatter batch in one bulkhead slot: a full bulkhead refuses it (counted), its timeout is not a node fault, a broken stream is', async () => {
    const freed: string[] = [];
    policies.on('freed', (n) => freed.push(n.id));
    const batch = { timeoutMs: 0, signal: new AbortController().signal };
    let release = (): void => undefined;
    const holding = policies.runBatch(node, batch, () => new Promise<void>((resolve) => (release = resolve)));
    expect(policies.freeSlots(node)).toBe(0);
    // Its one slot is held and there is no queue: a second batch is refused, and counted.
    const refused = await policies.runBatch(node, batch, async () => undefined).catch((e: unknown) => e);
    expect(isBulkheadRejectedError(refused)).toBe(true);
    expect(policies.rejections(node)).toBe(1);
    expect(notices).toContain('node m1 rejected a call: its 1 slots and queue of 0 are full (bulkhead)');
    release();
    await holding;
    expect(freed).toEqual(['m1']);
    expect(policies.freeSlots(node)).toBe(1);

    // The per-attempt timeout aborts the batch's signal; the batch ends its items and resolves: no fault.
    for (let i = 0; i < 3; i++) {
      const timedOut = await policies.runBatch(node, { ...batch, timeoutMs: 5 }, (signal) => new Promise<string>((resolve) => signal.addEventListener('abort', () => resolve('timed out'))));
      expect(timedOut).toBe('timed out');
    }
    expect(policies.breakerState(node)).toBe(BreakerState.CLOSED);

    // Two batches whose stream broke (threshold 2) open the breaker; the next batch fails fast.
    for (let i = 0; i < 2; i++) await expect(policies.runBatch(node, batch, () => Promise.reject(new ConnectError('stream reset', Code.Unavailable)))).rejects.toMatchObject({ code: Code.Unavailable });
    expect(policies.breakerState(node)).toBe(BreakerState.OPEN);
    expect(NodePolicies.isBreakerOpen(await policies.runBatch(node, batch, async () => undefined).catch((e: unknown) => e))).toBe(true);
  });

  it('gives idempotent calls a retry policy that retries DEADLINE_EXCEEDED, and others one that does not', async () => {
    for (const idempotent of [true, false]) {
      let calls = 0;
      const outcome = await policies.retryPolicy(idempotent).execute(() => {
        calls += 1;
        if (calls === 1) throw new ConnectError('late', Code.DeadlineExceeded);
        return 'ok';
      }).catch((e: unknown) => e);
      expect({ idempotent, calls, ok: outcome === 'ok' }).toEqual({ idempotent, calls: idempotent ? 2 : 1, ok: idempotent });
    }
  });
});
