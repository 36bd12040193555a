import type { Node, ScatterEvent, ScatterInit, ScatterSummary, WeftClient } from '@weft/client';
import { BreakerState, NodeRole } from '@weft/client';
import { injectFaults } from '@weft/testing';
import { useClusterSuite } from './support/cluster-suite.js';
import { rejectionOf } from './support/rejection-of.js';
import { breakerOf, eventually } from './support/resilience-helpers.js';

// Issue 3, "Must show", scatter-gather: 1,000 count-primes items with max_concurrency 8 (values
// checked against a sieve, the cap checked from the mappers' own counters), min_successes ending
// early and cancelling the rest (threads freed), a hedge answered by the second node while the
// first is paused, per-item timeouts as item errors, the caller's deadline, and the bad-input table.
// Issue 4: a mapper whose scatter streams fail (injected faults) has its breaker opened by them while
// its items run on the other one, each answered exactly once; mappers whose bulkheads are full refuse
// a call's batches (counted in DescribeCluster) and its items wait for a slot.

const suite = useClusterSuite('scatter', { mappers: 2, reducers: 1, env: { WEFT_TEST_MODE: '1', COORDINATOR_BREAKER_HALF_OPEN_AFTER: '2s' } });

/** Primes below each n, from one sieve: independent of count-primes' trial division. */
function primesBelow(ns: readonly number[]): number[] {
  const max = Math.max(...ns);
  const composite = new Uint8Array(max + 1);
  const below = new Uint32Array(max + 2);
  for (let i = 2; i * i <= max; i++) if (!composite[i]) for (let j = i * i; j <= max; j += i) composite[j] = 1;
  for (let k = 0; k <= max; k++) below[k + 1] = below[k]! + (k >= 2 && !composite[k] ? 1 : 0);
  return ns.map((n) => below[n]!);
}

type ItemEvent = Extract<ScatterEvent, { type: 'item' }>;

async function scatterAll(client: WeftClient, init: ScatterInit, options: { timeoutMs?: number } = {}): Promise<{ items: ItemEvent[]; summary: ScatterSummary }> {
  const items: ItemEvent[] = [];
  let summary: ScatterSummary | undefined;
  for await (const event of client.scatter(init, options)) {
    if (event.type === 'summary') summary = event.summary;
    else items.push(event);
  }
  if (!summary) throw new Error('the scatter stream ended without a summary');
  return { items, summary };
}

const counts = (s: ScatterSummary) => ({ succeeded: s.succeeded, failed: s.failed, timedOut: s.timedOut, hedged: s.hedged, cancelled: s.cancelled });

async function mappers(client: WeftClient): Promise<Node[]> {
  return (await client.cluster()).filter((n) => n.role === NodeRole.MAPPER);
}

const heartbeatMs = (n: Node): number => (n.lastHeartbeatAt ? Number(n.lastHeartbeatAt.seconds) * 1000 + n.lastHeartbeatAt.nanos / 1e6 : 0);

/**
 * Polls DescribeCluster until `done` holds for the mappers, judged only on heartbeats sent after
 * this call began (the counters travel in heartbeats, so an older one may predate the work).
 */
async function waitForMappers(client: WeftClient, done: (nodes: Node[]) => boolean, timeoutMs = 15_000): Promise<Node[]> {
  const since = Date.now();
  const deadline = since + timeoutMs;
  for (;;) {
    const nodes = await mappers(client);
    if ((nodes.every((n) => heartbeatMs(n) > since) && done(nodes)) || Date.now() > deadline) return nodes;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('scatter-gather', () => {
  // First in the file: the peak counters count since each mapper started.
  it('1,000 count-primes items with max_concurrency 8: every value right, never more than 8 in flight', () =>
    suite.run(async ({ client }) => {
      let seed = 12345;
      const inputs = Array.from({ length: 1000 }, () => {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        return seed % 40_000;
      });
      const { items, summary } = await scatterAll(client, { function: 'count-primes', inputs, maxConcurrency: 8 });

      expect(counts(summary)).toEqual({ succeeded: 1000, failed: 0, timedOut: 0, hedged: 0, cancelled: 0 });
      const byIndex = new Map(items.map((e) => [e.index, e]));
      expect(byIndex.size).toBe(1000);
      const expected = primesBelow(inputs);
      expect(inputs.map((_, i) => { const e = byIndex.get(i); return e?.ok ? e.value : e; })).toEqual(expected);
      expect(new Set(items.map((e) => e.nodeId)).size).toBe(2);

      // The mappers' own counters, from their heartbeats: wait until both reported every item.
      const nodes = await waitForMappers(client, (ns) => ns.reduce((sum, n) => sum + Number(n.scatterItemsCompleted), 0) >= 1000 && ns.every((n) => n.scatterItemsInFlight === 0));
      expect(nodes.reduce((sum, n) => sum + Number(n.scatterItemsCompleted), 0)).toBe(1000);
      const peaks = nodes.map((n) => n.scatterItemsPeak);
      expect(Math.max(...peaks)).toBeLessThanOrEqual(8);
      expect(Math.min(...peaks)).toBeGreaterThanOrEqual(1);
      // Each attempt goes to the mapper with the fewest in flight, so with equal slots neither holds
      // more than half the permits: the per-node peaks add up to at most the cluster-wide cap.
      expect(peaks.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(8);
    }));

  it('min_successes returns early and cancels the rest, freeing the worker threads', () =>
    suite.run(async ({ client }) => {
      // Two count-primes items that would run for hours and four quick ones: three successes end it.
      const inputs = [10, 2_000_000_000, 100, 2_000_000_000, 1000, 50];
      const { items, summary } = await scatterAll(client, { function: 'count-primes', inputs, maxConcurrency: 6, minSuccesses: 3 });
      expect(counts(summary)).toEqual({ succeeded: 3, failed: 0, timedOut: 0, hedged: 0, cancelled: 3 });
      expect(items).toHaveLength(3);
      expect(items.every((e) => e.ok && [10, 100, 1000, 50].includes(inputs[e.index]!))).toBe(true);
      // The two long items ran on pool threads: cancelling them terminates those threads.
      const nodes = await waitForMappers(client, (ns) => ns.every((n) => n.busySlots === 0 && n.scatterItemsInFlight === 0), 10_000);
      expect(nodes.map((n) => ({ id: n.id, busy: n.busySlots, inFlight: n.scatterItemsInFlight }))).toEqual(nodes.map((n) => ({ id: n.id, busy: 0, inFlight: 0 })));
    }));

  it('a hedged item whose first node is paused is answered by the second node', () =>
    suite.run(async (cluster) => {
      const paused = cluster.mapper(0);
      const other = cluster.mapper(1);
      paused.pause();
      try {
        const inputs = [{ a: 1 }, 'two', 3, [4], 5.5, null];
        const { items, summary } = await scatterAll(cluster.client, { function: 'echo', inputs, maxConcurrency: 6, hedgeAfterMs: 300 });
        expect(summary.succeeded).toBe(6);
        expect(items.map((e) => (e.ok ? [e.index, e.value] : [e.index, e.error])).sort((a, b) => (a[0] as number) - (b[0] as number)))
          .toEqual(inputs.map((v, i) => [i, v]));
        // Nothing came from the frozen node; the items it held were hedged onto the other one.
        expect(items.filter((e) => e.nodeId !== other.id)).toEqual([]);
        const hedged = items.filter((e) => e.hedged);
        expect(hedged.length).toBeGreaterThanOrEqual(1);
        expect(summary.hedged).toBe(hedged.length);
        expect(hedged.every((e) => e.attempt === 2 && e.elapsedMs >= 300)).toBe(true);
      } finally {
        paused.resume();
      }
    }));

  it('per-item timeouts are DEADLINE_EXCEEDED item results, not a failed call (sleep is idempotent: each item gets 3 attempts)', () =>
    suite.run(async ({ client }) => {
      const { items, summary } = await scatterAll(client, { function: 'sleep', inputs: [5, 60_000, 10, 60_000], maxConcurrency: 4, itemTimeoutMs: 500 });
      expect(counts(summary)).toEqual({ succeeded: 2, failed: 0, timedOut: 2, hedged: 0, cancelled: 0 });
      const sorted = [...items].sort((a, b) => a.index - b.index);
      expect(sorted.map((e) => (e.ok ? { index: e.index, value: e.value } : { index: e.index, code: e.error.code }))).toEqual([
        { index: 0, value: 5 }, { index: 1, code: 4 }, { index: 2, value: 10 }, { index: 3, code: 4 },
      ]);
      // Timed-out attempts of an idempotent function are retried (COORDINATOR_CALL_RETRIES = 2), each one timed out again.
      for (const e of sorted) if (!e.ok) expect(e.error.message).toMatch(new RegExp(`^item ${e.index} exceeded its 500 ms timeout \\(attempt 3 on mapper-\\S+\\)$`));
      expect(sorted.map((e) => e.attempt)).toEqual([1, 3, 1, 3]);
      expect(sorted.every((e) => e.ok || e.elapsedMs >= 1500)).toBe(true);
      await waitForMappers(client, (ns) => ns.every((n) => n.scatterItemsInFlight === 0), 10_000);
    }));

  it("the caller's deadline bounds the whole call and stops its items", () =>
    suite.run(async ({ client }) => {
      const rejection = await rejectionOf(scatterAll(client, { function: 'sleep', inputs: [60_000, 60_000], maxConcurrency: 2 }, { timeoutMs: 1000 }));
      expect(rejection.code).toBe('DeadlineExceeded');
      const nodes = await waitForMappers(client, (ns) => ns.every((n) => n.scatterItemsInFlight === 0), 10_000);
      expect(nodes.map((n) => n.scatterItemsInFlight)).toEqual([0, 0]);
    }));

  it('a mapper whose scatter streams fail: every item answered once, right, by the other; its breaker opens, then closes once healed', () =>
    suite.run(async (cluster) => {
      const { client } = cluster;
      const broken = cluster.mapper(0);
      const healthy = cluster.mapper(1);
      expect(await breakerOf(client, broken.id)).toBe(BreakerState.CLOSED);
      await injectFaults(broken, { errorRate: 1, methods: ['RunScatterItems'] });
      // Watch the broken node's breaker from DescribeCluster while the call runs and after: once
      // open, it stays so for COORDINATOR_BREAKER_HALF_OPEN_AFTER (2 s), so a poll sees it.
      const seen = new Set<BreakerState>();
      let watching = true;
      const watch = (async () => {
        while (watching) {
          const state = await breakerOf(client, broken.id);
          if (state !== undefined) seen.add(state);
          if (seen.has(BreakerState.OPEN)) return;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      })();
      try {
        const inputs = Array.from({ length: 2000 }, (_, i) => (i * 7919) % 20_000);
        const { items, summary } = await scatterAll(client, { function: 'count-primes', inputs, maxConcurrency: 16 });
        expect(counts(summary)).toEqual({ succeeded: 2000, failed: 0, timedOut: 0, hedged: 0, cancelled: 0 });
        // Exactly once each: 2000 results, 2000 distinct indexes, the sieve's values.
        expect(items).toHaveLength(2000);
        const byIndex = new Map(items.map((e) => [e.index, e]));
        expect(byIndex.size).toBe(2000);
        expect(inputs.map((_, i) => { const e = byIndex.get(i); return e?.ok ? e.value : e; })).toEqual(primesBelow(inputs));
        expect(new Set(items.map((e) => e.nodeId))).toEqual(new Set([healthy.id]));
        // Items whose first attempt went to the broken node were retried on the healthy one.
        expect(items.some((e) => e.attempt >= 2)).toBe(true);
        await eventually(`the breaker of ${broken.id} is seen open`, async () => seen.has(BreakerState.OPEN), 10_000);
      } finally {
        watching = false;
        await watch;
        await injectFaults(broken, {});
      }
      // Healed: its half-open probe succeeds and it takes items again.
      await eventually(`the breaker of ${broken.id} closes again`, async () => (await breakerOf(client, broken.id)) === BreakerState.CLOSED, 30_000);
      const { items } = await scatterAll(client, { function: 'echo', inputs: Array.from({ length: 64 }, (_, i) => i), maxConcurrency: 16 });
      expect(items.map((e) => (e.ok ? e.value : e.error)).sort((a, b) => (a as number) - (b as number))).toEqual(Array.from({ length: 64 }, (_, i) => i));
      expect(new Set(items.map((e) => e.nodeId))).toEqual(new Set([broken.id, healthy.id]));
    }), 90_000);

  const invalid = (message: string) => ({ code: 'InvalidArgument', message });
  const ok: ScatterInit = { function: 'echo', inputs: [1, 2], maxConcurrency: 2 };
  it.each<[string, ScatterInit, { code: string; message: string }]>([
    ['an unknown function', { ...ok, function: 'no-such-fn' }, { code: 'NotFound', message: 'no function named "no-such-fn" is registered' }],
    ['a job name', { ...ok, function: 'wordcount' }, { code: 'NotFound', message: 'no function named "wordcount" is registered' }],
    ['no function name', { ...ok, function: '' }, invalid('function must name a registered scatter function')],
    ['params of the wrong type', { ...ok, function: 'http-get', params: { includeBody: 'yes' } }, invalid('params.includeBody must be a boolean, got "yes"')],
    ['a param out of range', { ...ok, function: 'http-get', params: { maxBytes: 0 } }, invalid('params.maxBytes must be between 1 and 67108864, got 0')],
    ['an unknown param', { ...ok, function: 'count-primes', params: { n: 5 } }, invalid('params.n is not a parameter of count-primes (it takes none)')],
    ['an empty input list', { ...ok, inputs: [] }, invalid('inputs must contain at least one input')],
    ['max_concurrency 0', { ...ok, maxConcurrency: 0 }, invalid('max_concurrency must be at least 1, got 0')],
    ['a per-item timeout over 24 h', { ...ok, itemTimeoutMs: 86_400_001 }, invalid('item_timeout_ms must be at most 86400000 (24 h), got 86400001')],
    ['a hedge delay over 24 h', { ...ok, hedgeAfterMs: 90_000_000 }, invalid('hedge_after_ms must be at most 86400000 (24 h), got 90000000')],
    ['a hedge delay not below the timeout', { ...ok, itemTimeoutMs: 100, hedgeAfterMs: 100 }, invalid('hedge_after_ms must be less than item_timeout_ms (100), got 100')],
    ['min_successes above the item count', { ...ok, minSuccesses: 3 }, invalid('min_successes must be at most the number of inputs (2), got 3')],
  ])('rejects %s', (_name, init, expected) =>
    suite.run(async ({ client }) => {
      expect(await rejectionOf(scatterAll(client, init))).toEqual(expected);
    }));
});

// A cluster of its own, without a bulkhead queue: a batch for a mapper whose two slots are taken is
// refused at once (the suite above keeps the default queue, so its balance checks see no refusals).
describe('scatter-gather against full bulkheads', () => {
  const full = useClusterSuite('scatter-bulkhead', { mappers: 2, reducers: 1, env: { COORDINATOR_BULKHEAD_QUEUE: '0' } });

  it("mappers whose bulkhead slots are all taken refuse a third call's batches (counted in DescribeCluster); its items wait and are all answered", () =>
    full.run(async ({ client }) => {
      const rejections = async () => new Map((await mappers(client)).map((n) => [n.id, n.bulkheadRejections]));
      const before = await rejections();
      // Two calls of long sleeps: each call's first batch for a mapper takes one of its two slots.
      const holders = [0, 1].map(() => scatterAll(client, { function: 'sleep', inputs: [4000, 4000, 4000, 4000], maxConcurrency: 4 }));
      const busy = await waitForMappers(client, (ns) => ns.every((n) => n.scatterItemsInFlight >= 4));
      expect(busy.map((n) => n.scatterItemsInFlight)).toEqual([4, 4]);
      // A third call now finds no free slot and no queue anywhere: refused, it waits for a slot.
      const inputs = Array.from({ length: 8 }, (_, i) => i);
      const { items, summary } = await scatterAll(client, { function: 'echo', inputs, maxConcurrency: 8 });
      expect(summary.succeeded).toBe(8);
      expect(items.map((e) => (e.ok ? e.value : e.error)).sort((a, b) => (a as number) - (b as number))).toEqual(inputs);
      for (const { summary: held } of await Promise.all(holders)) expect(counts(held)).toEqual({ succeeded: 4, failed: 0, timedOut: 0, hedged: 0, cancelled: 0 });
      const after = await rejections();
      for (const [id, count] of after) expect({ id, refused: count > (before.get(id) ?? 0n) }).toEqual({ id, refused: true });
    }));
});

// Negative numbers cannot be encoded in the uint32 fields by a typed client; over Connect JSON they
// reach the gateway, which rejects them naming the field.
describe('scatter numbers out of range, over Connect JSON', () => {
  async function scatterJson(gatewayUrl: string, body: object): Promise<unknown> {
    const json = Buffer.from(JSON.stringify(body));
    const envelope = Buffer.alloc(5);
    envelope.writeUInt32BE(json.length, 1);
    const res = await fetch(`${gatewayUrl}/weft.v1.ScatterGatherService/Scatter`, {
      method: 'POST', headers: { 'content-type': 'application/connect+json' }, body: Buffer.concat([envelope, json]),
    });
    // One end-of-stream envelope carrying the error.
    return JSON.parse(Buffer.from(await res.arrayBuffer()).subarray(5).toString('utf8'));
  }
  it.each([
    ['itemTimeoutMs', -5, 'cannot decode field weft.v1.ScatterRequest.item_timeout_ms from JSON: expected number (uint32): -5 out of range'],
    ['hedgeAfterMs', -1, 'cannot decode field weft.v1.ScatterRequest.hedge_after_ms from JSON: expected number (uint32): -1 out of range'],
    ['maxConcurrency', -2, 'cannot decode field weft.v1.ScatterRequest.max_concurrency from JSON: expected number (uint32): -2 out of range'],
  ])('rejects a negative %s', (field, value, message) =>
    suite.run(async ({ gatewayUrl }) => {
      expect(await scatterJson(gatewayUrl, { function: 'echo', inputs: [1], maxConcurrency: 1, [field]: value })).toEqual({ error: { code: 'invalid_argument', message } });
    }));
});
