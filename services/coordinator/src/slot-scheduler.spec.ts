import { NodeRole } from '@weft/proto';
import { createLogger } from '@weft/telemetry';
import { isCancelledError } from '@weft/errors';
import { SlotScheduler } from './slot-scheduler.js';
import { WorkerRegistry, type WorkerNode } from './worker-registry.js';
import { registerFake } from './testing/register-fake.js';

const log = createLogger({ service: 'test', level: 'silent' });

describe('SlotScheduler', () => {
  let registry: WorkerRegistry;
  beforeEach(() => {
    registry = new WorkerRegistry({ heartbeatIntervalMs: 1000, nodeTimeoutMs: 60_000, coordinatorId: 'c', log });
  });
  afterEach(() => registry.close());

  it('never places more attempts on a node than its slots, spreads load, and serves waiters in order', async () => {
    const a = await registerFake(registry, { nodeId: 'a', role: NodeRole.MAPPER, slots: 2 });
    const b = await registerFake(registry, { nodeId: 'b', role: NodeRole.MAPPER, slots: 1 });
    const scheduler = new SlotScheduler(registry);
    const signal = new AbortController().signal;
    const leases = await Promise.all([0, 1, 2].map(() => scheduler.acquire(NodeRole.MAPPER, { signal })));
    expect(leases.map((l) => l.node.id).sort()).toEqual(['a', 'a', 'b']);
    const order: string[] = [];
    const fourth = scheduler.acquire(NodeRole.MAPPER, { signal }).then((l) => { order.push('fourth'); return l; });
    const fifth = scheduler.acquire(NodeRole.MAPPER, { signal }).then((l) => { order.push('fifth'); return l; });
    expect(scheduler.waiting(NodeRole.MAPPER)).toBe(2);
    leases[2]!.release(true);
    leases[2]!.release(true); // idempotent
    await fourth;
    leases[0]!.release(false);
    await fifth;
    expect(order).toEqual(['fourth', 'fifth']);
    expect((registry.get(leases[2]!.node.id) as WorkerNode).tasksCompleted).toBe(1);
    await a.end();
    await b.end();
  });

  it('prefers nodes a retry should avoid only when nothing else is free, and rejects waiters on abort', async () => {
    const a = await registerFake(registry, { nodeId: 'a', role: NodeRole.REDUCER, slots: 1 });
    const b = await registerFake(registry, { nodeId: 'b', role: NodeRole.REDUCER, slots: 1 });
    const scheduler = new SlotScheduler(registry);
    const signal = new AbortController().signal;
    const lease = await scheduler.acquire(NodeRole.REDUCER, { signal, avoid: new Set(['a']) });
    expect(lease.node.id).toBe('b');
    const fallback = await scheduler.acquire(NodeRole.REDUCER, { signal, avoid: new Set(['a']) });
    expect(fallback.node.id).toBe('a');
    const abort = new AbortController();
    const waiting = scheduler.acquire(NodeRole.REDUCER, { signal: abort.signal });
    abort.abort();
    expect(isCancelledError(await waiting.catch((e: unknown) => e))).toBe(true);
    expect(scheduler.waiting(NodeRole.REDUCER)).toBe(0);
    await a.end();
    await b.end();
  });
});
