import { NodeRole, NodeState } from '@weft/proto';
import { createLogger } from '@weft/telemetry';
import { registerFake } from './testing/register-fake.js';
import { WorkerRegistry, type WorkerNode } from './worker-registry.js';

const log = createLogger({ service: 'test', level: 'silent' });

/** Lets the registry's handler take in what the fake worker sent (a few turns of the event loop). */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe('WorkerRegistry failure detection', () => {
  let clock = 0;
  let registry: WorkerRegistry;
  const lost: WorkerNode[] = [];
  beforeEach(() => {
    clock = 1_000_000;
    lost.length = 0;
    registry = new WorkerRegistry({ heartbeatIntervalMs: 1000, nodeTimeoutMs: 5000, coordinatorId: 'c', log, now: () => clock });
    registry.on('lost', (node) => lost.push(node));
  });
  afterEach(() => registry.close());

  it('declares a worker lost once its heartbeats have been silent for the node timeout, not before', async () => {
    const worker = await registerFake(registry, { nodeId: 'm1', role: NodeRole.MAPPER, slots: 2 });
    const node = registry.get('m1')!;
    clock += 4000;
    worker.heartbeat();
    await settle();
    expect(node.lastHeartbeatAt.getTime()).toBe(clock);
    clock += 5000; // exactly the timeout since the last heartbeat: still alive
    registry.checkHeartbeats();
    expect(node.state).toBe(NodeState.ALIVE);
    expect(node.lost.signal.aborted).toBe(false);

    clock += 1; // silent for longer than the timeout (frozen, or cut off with its stream open)
    registry.checkHeartbeats();
    expect(node.state).toBe(NodeState.DEAD);
    expect(lost).toEqual([node]);
    // Its running attempts are aborted with the reason, and the coordinator ends its stream.
    expect(String(node.lost.signal.reason)).toBe('Error: node m1 was lost: no heartbeat for 5000 ms');
    await worker.ended;
    expect(registry.available(NodeRole.MAPPER)).toEqual([]);
  });

  it('a worker declared lost is not revived by a late heartbeat; when it registers again it is a new node', async () => {
    const worker = await registerFake(registry, { nodeId: 'm1', role: NodeRole.MAPPER, slots: 2 });
    const old = registry.get('m1')!;
    clock += 6000;
    registry.checkHeartbeats();
    expect(old.state).toBe(NodeState.DEAD);

    // Resumed (SIGCONT): its heartbeat on the old stream changes nothing.
    const before = old.lastHeartbeatAt.getTime();
    worker.heartbeat();
    await settle();
    expect(old.state).toBe(NodeState.DEAD);
    expect(old.lastHeartbeatAt.getTime()).toBe(before);
    expect(registry.available(NodeRole.MAPPER)).toEqual([]);

    // Its stream was ended, so it registers again: a fresh node, nothing carried over.
    await worker.end();
    const again = await registerFake(registry, { nodeId: 'm1', role: NodeRole.MAPPER, slots: 2 });
    const fresh = registry.get('m1')!;
    expect(fresh).not.toBe(old);
    expect({ state: fresh.state, busy: fresh.busy, tasksCompleted: fresh.tasksCompleted, lost: fresh.lost.signal.aborted }).toEqual({ state: NodeState.ALIVE, busy: 0, tasksCompleted: 0, lost: false });
    expect(old.state).toBe(NodeState.DEAD);
    expect(registry.available(NodeRole.MAPPER)).toEqual([fresh]);
    expect(lost).toEqual([old]);
    await again.end();
  });

  it('heartbeats keep a worker alive indefinitely', async () => {
    const worker = await registerFake(registry, { nodeId: 'r1', role: NodeRole.REDUCER, slots: 1 });
    for (let i = 0; i < 20; i++) {
      clock += 4000;
      worker.heartbeat();
      await settle();
      expect(registry.get('r1')!.lastHeartbeatAt.getTime()).toBe(clock);
      registry.checkHeartbeats();
    }
    expect(registry.get('r1')!.state).toBe(NodeState.ALIVE);
    expect(lost).toEqual([]);
    await worker.end();
    expect(registry.get('r1')!.state).toBe(NodeState.DEAD);
  });
  it('sweeps on its own: with the real clock, a silent worker is declared lost once the node timeout has passed (checked every quarter of it)', async () => {
    const real = new WorkerRegistry({ heartbeatIntervalMs: 50, nodeTimeoutMs: 400, coordinatorId: 'c', log });
    try {
      await registerFake(real, { nodeId: 'm9', role: NodeRole.MAPPER, slots: 1 });
      const node = real.get('m9')!;
      const started = Date.now();
      await new Promise((resolve) => node.lost.signal.addEventListener('abort', resolve, { once: true }));
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(400 - 5);
      expect(elapsed).toBeLessThan(2_000);
      expect(node.state).toBe(NodeState.DEAD);
    } finally {
      real.close();
    }
  });
});
