import { NodeRole, NodeState } from '@weft/client';
import type { NodeHandle } from '@weft/launcher';
import { startCluster } from './start-cluster.js';
import { withCluster } from './with-cluster.js';

// Runs the real services: they must be built (npm test builds everything first).
const timeout = 120_000;

describe('startCluster', () => {
  it('starts real processes that serve a job, exposes each node, and stops every one', async () => {
    const cluster = await startCluster({ mappers: 2, reducers: 1 });
    try {
      const nodes = await cluster.client.cluster();
      const workers = nodes.filter((n) => n.role === NodeRole.MAPPER || n.role === NodeRole.REDUCER);
      expect(workers.map((n) => [n.id, n.state]).sort()).toEqual([
        ['mapper-1', NodeState.ALIVE],
        ['mapper-2', NodeState.ALIVE],
        ['reducer-1', NodeState.ALIVE],
      ]);
      expect(cluster.mapper(1).id).toBe('mapper-2');
      expect(() => cluster.reducer(1)).toThrow('no reducer 1: the cluster has 1 reducers (0-based index)');

      const records = Array.from({ length: 1000 }, (_, i) => String(i + 1));
      const job = await cluster.client.submit({ function: 'sum-of-squares', inputs: [{ records }] });
      await job.wait();
      const results = [];
      for await (const r of job.results()) results.push(r);
      // 1² + ... + 1000² = 1000·1001·2001/6
      expect(results.map((r) => r.value)).toEqual([333833500]);

      cluster.mapper(0).kill();
      expect(await cluster.mapper(0).exited).toEqual({ code: null, signal: 'SIGKILL' });
    } finally {
      await cluster.stop();
    }
    for (const node of cluster.nodes) expect(node.running).toBe(false);
  }, timeout);

  it('restarts a killed mapper on the same port and the cluster serves jobs again', async () => {
    const cluster = await startCluster({ mappers: 1, reducers: 1 });
    try {
      const mapper = cluster.mapper(0);
      const url = mapper.url;
      mapper.kill();
      await mapper.exited;
      await mapper.restart();
      expect(mapper.url).toBe(url);
      const alive = (await cluster.client.cluster()).find((n) => n.id === 'mapper-1');
      expect(alive?.state).toBe(NodeState.ALIVE);
      const job = await cluster.client.submit({ function: 'wordcount', inputs: [{ records: ['a b a'] }] });
      await job.wait();
      const counts: Record<string, unknown> = {};
      for await (const r of job.results()) counts[r.key] = r.value;
      expect(counts).toEqual({ a: 2, b: 1 });
    } finally {
      await cluster.stop();
    }
  }, timeout);

  it('withCluster() stops the cluster when the test body throws, and adds the node logs', async () => {
    let seen: NodeHandle[] = [];
    const err = await withCluster({ mappers: 1, reducers: 1 }, async (cluster) => {
      seen = [...cluster.nodes];
      throw new Error('boom');
    }).catch((e: unknown) => e as Error);
    expect(err.message).toMatch(/^boom\n\nnode logs:\n--- coordinator /);
    expect(seen).toHaveLength(4);
    for (const node of seen) expect(node.running).toBe(false);
  }, timeout);
});
