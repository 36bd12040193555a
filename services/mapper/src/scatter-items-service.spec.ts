import { create } from '@bufbuild/protobuf';
import { createClient, createRouterTransport } from '@connectrpc/connect';
import { createAllowedFetch, FunctionRegistry } from '@weft/jobs';
import type { TaskPool } from '@weft/pool';
import { MapperService, RunScatterItemsRequestSchema, type RunScatterItemsRequest, type ScatterItemOutcome } from '@weft/proto/cluster';
import { createLogger } from '@weft/telemetry';
import { createScatterItemsHandler, ScatterStats } from './scatter-items-service.js';
import { Semaphore } from './semaphore.js';

const stats = new ScatterStats();
const cpuCalls: unknown[] = [];
const pool = { runFunction: async (_name: string, input: unknown) => (cpuCalls.push(input), (input as number) * 2) } as unknown as TaskPool;
const handler = createScatterItemsHandler({
  pool, functions: FunctionRegistry.withBuiltins(), ioSlots: new Semaphore(4), fetch: createAllowedFetch(), stats, log: createLogger({ service: 'test', level: 'silent' }),
});
const client = createClient(MapperService, createRouterTransport((router) => router.service(MapperService, { runScatterItems: handler } as never)));

/** A request stream the test feeds by hand. */
function feed() {
  const queue: RunScatterItemsRequest[] = [];
  let wake: (() => void) | undefined;
  let ended = false;
  return {
    send(init: Parameters<typeof create<typeof RunScatterItemsRequestSchema>>[1]) {
      queue.push(create(RunScatterItemsRequestSchema, init));
      wake?.();
    },
    end() {
      ended = true;
      wake?.();
    },
    async *stream(): AsyncGenerator<RunScatterItemsRequest> {
      for (;;) {
        if (queue.length > 0) yield queue.shift()!;
        else if (ended) return;
        else await new Promise<void>((resolve) => (wake = resolve));
      }
    },
  };
}

async function outcomesOf(requests: AsyncIterable<RunScatterItemsRequest>): Promise<ScatterItemOutcome[]> {
  const all: ScatterItemOutcome[] = [];
  for await (const response of client.runScatterItems(requests)) all.push(...response.outcomes);
  return all.sort((a, b) => a.id - b.id);
}

describe('RunScatterItems', () => {
  it('runs io functions here and cpu functions on the pool, answering in batches with errors as codes', async () => {
    const io = feed();
    io.send({ kind: { case: 'call', value: { function: 'echo', paramsJson: '{}' } } });
    io.send({ kind: { case: 'items', value: { items: [{ id: 1, inputJson: '{"a":1}' }, { id: 2, inputJson: '"x"' }] } } });
    io.end();
    expect((await outcomesOf(io.stream())).map((o) => [o.id, o.outcome])).toEqual([
      [1, { case: 'valueJson', value: '{"a":1}' }],
      [2, { case: 'valueJson', value: '"x"' }],
    ]);

    const cpu = feed();
    cpu.send({ kind: { case: 'call', value: { function: 'count-primes', paramsJson: '{}' } } });
    cpu.send({ kind: { case: 'items', value: { items: [{ id: 5, inputJson: '21' }] } } });
    cpu.end();
    expect((await outcomesOf(cpu.stream())).map((o) => o.outcome)).toEqual([{ case: 'valueJson', value: '42' }]);
    expect(cpuCalls).toEqual([21]);

    const bad = feed();
    bad.send({ kind: { case: 'call', value: { function: 'sleep', paramsJson: '{}' } } });
    bad.send({ kind: { case: 'items', value: { items: [{ id: 9, inputJson: '-1' }] } } });
    bad.end();
    const [failed] = await outcomesOf(bad.stream());
    expect(failed!.outcome).toMatchObject({ case: 'error', value: { code: 3, message: 'input must be a non-negative number of milliseconds, got -1' } });
  });

  it('cancels an attempt without an outcome and keeps the node counters right', async () => {
    const before = stats.completed;
    const calls = feed();
    calls.send({ kind: { case: 'call', value: { function: 'sleep', paramsJson: '{}' } } });
    calls.send({ kind: { case: 'items', value: { items: [{ id: 1, inputJson: '60000' }, { id: 2, inputJson: '1' }, { id: 3, inputJson: '60000' }] } } });
    const done = outcomesOf(calls.stream());
    // Items 1 and 3 sleep a minute, item 2 a millisecond: wait until item 2 is done.
    for (const deadline = Date.now() + 10_000; stats.inFlight !== 2 && Date.now() < deadline;) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(stats.inFlight).toBe(2);
    expect(stats.peak).toBeGreaterThanOrEqual(3);
    calls.send({ kind: { case: 'cancel', value: { ids: [1, 3] } } });
    calls.end();
    expect((await done).map((o) => o.id)).toEqual([2]);
    expect(stats.inFlight).toBe(0);
    expect(stats.completed).toBe(before + 1);
  });
});
