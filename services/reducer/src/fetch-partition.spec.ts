import { Code, ConnectError, createClient, createRouterTransport } from '@connectrpc/connect';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runMergeTask, runReduceFilesTask, runReduceTask, wordcount } from '@weft/jobs';
import { PartitionUnavailableError } from '@weft/errors';
import { MapperService, type MapOutputLocation } from '@weft/proto/cluster';
import { codecByName, joinRun, readResultRecords, runByteLength, RunWriter } from '@weft/records';
import type { ClientFactory } from '@weft/rpc';
import { fetchPartition } from './fetch-partition.js';

function run(records: [string, number][]): Uint8Array {
  const writer = new RunWriter(codecByName('int'));
  for (const [k, v] of records) writer.add(k, v);
  return writer.finish();
}

const outputs: Record<string, Uint8Array> = {
  'm-0': run([['a', 1], ['b', 2]]),
  'm-1': run([['a', 3], ['c', 1]]),
  'm-2': run([['b', 5], ['d', 2]]),
  'm-3': run([['a', 1], ['d', 1]]),
};

const transport = createRouterTransport(({ service }) => {
  service(MapperService, {
    async *streamPartition(request) {
      yield { data: outputs[request.taskId]! };
    },
  });
});
const clients = { client: (svc: typeof MapperService) => createClient(svc, transport) } as unknown as ClientFactory;
const sources = Object.keys(outputs).map((taskId): MapOutputLocation => ({ taskId, attempt: 1, nodeId: 'mapper-1', address: 'http://x' }) as MapOutputLocation);

describe('fetchPartition with a memory budget', () => {
  it('merges held runs down past the budget, and the reduce result is unchanged', async () => {
    let merges = 0;
    const fetched = await fetchPartition(clients, 'j', 0, sources, {
      concurrency: 1,
      signal: new AbortController().signal,
      memoryBudgetBytes: 40,
      compact: async (runs) => {
        merges += 1;
        return runMergeTask(wordcount, runs).output;
      },
    });
    expect(merges).toBeGreaterThan(0);
    expect(fetched.runs.length).toBeLessThan(sources.length);
    expect(fetched.bytes).toBe(Object.values(outputs).reduce((sum, r) => sum + r.byteLength, 0));
    const reduced = runReduceTask(wordcount, fetched.runs, {});
    expect([...readResultRecords(reduced.output, 'int')]).toEqual([['a', 5], ['b', 7], ['c', 1], ['d', 3]]);
  });

  it('spills fetched runs past the budget to files instead of holding them, and reducing runs + files is unchanged', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'weft-fetch-spill-'));
    try {
      const held: number[] = [];
      const fetched = await fetchPartition(clients, 'j', 0, sources, {
        concurrency: 2,
        signal: new AbortController().signal,
        memoryBudgetBytes: 40,
        compact: () => Promise.reject(new Error('compact must not run when spilling')),
        spillFile: (index) => path.join(dir, `${index}.run`),
      });
      held.push(fetched.runs.reduce((sum, r) => sum + runByteLength(r), 0));
      expect(fetched.files.length).toBeGreaterThan(0);
      expect(fetched.runs.length + fetched.files.length).toBe(sources.length);
      expect(held[0]).toBeLessThanOrEqual(40);
      expect(fetched.bytes).toBe(Object.values(outputs).reduce((sum, r) => sum + r.byteLength, 0));
      const outputFile = path.join(dir, 'out.run');
      runReduceFilesTask(wordcount, fetched.runs, fetched.files, outputFile, {});
      expect([...readResultRecords(new Uint8Array(readFileSync(outputFile)), 'int')]).toEqual([['a', 5], ['b', 7], ['c', 1], ['d', 3]]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** A run of `n` distinct keys (about 14 bytes each). */
function bigRun(n: number): Uint8Array {
  const writer = new RunWriter(codecByName('int'));
  for (let i = 0; i < n; i++) writer.add(`key-${String(i).padStart(8, '0')}`, i);
  return writer.finish();
}

/** Clients of mappers serving `served` (task id → run) in `chunk`-byte pieces; tasks in `broken` fail. */
function servingClients(served: Record<string, Uint8Array>, chunk: number, broken: Set<string> = new Set(), calls: string[] = []): ClientFactory {
  const t = createRouterTransport(({ service }) => {
    service(MapperService, {
      async *streamPartition(request) {
        calls.push(request.taskId);
        if (broken.has(request.taskId)) throw new ConnectError(`no output of ${request.taskId} here`, Code.NotFound);
        const data = served[request.taskId]!;
        for (let offset = 0; offset < data.byteLength; offset += chunk) yield { data: data.slice(offset, offset + chunk) };
      },
    });
  });
  return { client: (svc: typeof MapperService) => createClient(svc, t) } as unknown as ClientFactory;
}

const locations = (ids: string[]): MapOutputLocation[] => ids.map((taskId, i) => ({ taskId, attempt: 1, nodeId: `mapper-${i % 2}`, address: `http://m${i % 2}` }) as MapOutputLocation);

describe('fetchPartition streaming to the spill dir', () => {
  it('never holds a run larger than the budget whole: its chunks go to the file as they arrive', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'weft-fetch-stream-'));
    try {
      const big = bigRun(80_000); // ~1.2 MB
      const small = run([['a', 1]]);
      const chunk = 16 * 1024;
      const budget = 64 * 1024;
      expect(big.byteLength).toBeGreaterThan(budget * 10);
      const fetched = await fetchPartition(servingClients({ big, small }, chunk), 'j', 0, locations(['small', 'big']), {
        concurrency: 2,
        signal: new AbortController().signal,
        memoryBudgetBytes: budget,
        spillFile: (index) => path.join(dir, `${index}.run`),
      });
      expect(fetched.files).toEqual([path.join(dir, '1.run')]);
      expect(new Uint8Array(readFileSync(fetched.files[0]!))).toEqual(big);
      expect(fetched.runs.map(joinRun)).toEqual([small]);
      expect(fetched.bytes).toBe(big.byteLength + small.byteLength);
      // Memory: the budget plus at most one chunk per fetch in flight, never the run.
      expect(fetched.peakHeldBytes).toBeLessThanOrEqual(budget + 2 * chunk);
      expect(fetched.peakHeldBytes).toBeGreaterThan(0);
      const outputFile = path.join(dir, 'out.run');
      const reduced = runReduceFilesTask(wordcount, fetched.runs, fetched.files, outputFile, {});
      expect(reduced.recordsOut).toBe(80_001);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('holds runs in memory as the pieces they arrived in, while they fit the budget', async () => {
    const data = bigRun(1000);
    const fetched = await fetchPartition(servingClients({ x: data }, 1000), 'j', 0, locations(['x']), {
      concurrency: 1,
      signal: new AbortController().signal,
      memoryBudgetBytes: 1 << 20,
      spillFile: () => {
        throw new Error('must not spill');
      },
    });
    expect(fetched.runs.map(joinRun)).toEqual([data]);
    // Not copied into one buffer: the pieces as they arrived (1000-byte chunks), each the only view into its buffer.
    const pieces = fetched.runs[0] as readonly Uint8Array[];
    expect(pieces).toHaveLength(Math.ceil(data.byteLength / 1000));
    for (const piece of pieces) expect(piece.buffer.byteLength - piece.byteLength).toBeLessThanOrEqual(16);
    expect(fetched.files).toEqual([]);
    expect(fetched.peakHeldBytes).toBe(data.byteLength);
  });
});

describe('fetchPartition with unreadable sources', () => {
  it('reports every unreadable source, of different mappers, in one go, and removes what it spilled', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'weft-fetch-fail-'));
    try {
      const served = { 'm-0': bigRun(5000), 'm-1': run([['a', 1]]), 'm-2': bigRun(5000), 'm-3': run([['b', 1]]) };
      const calls: string[] = [];
      const failed: [string, string][] = [];
      const fetching = fetchPartition(servingClients(served, 4096, new Set(['m-1', 'm-3']), calls), 'j', 0, locations(['m-0', 'm-1', 'm-2', 'm-3']), {
        concurrency: 1,
        signal: new AbortController().signal,
        memoryBudgetBytes: 10_000,
        retries: 0,
        spillFile: (index) => path.join(dir, `${index}.run`),
        onFailed: (source, reason) => failed.push([`${source.taskId}@${source.nodeId}`, reason]),
      });
      await expect(fetching).rejects.toThrow(PartitionUnavailableError);
      await expect(fetching).rejects.toThrow(/2 of 4 map outputs of partition 0 are unavailable: map output m-1 .*; map output m-3 /);
      expect(failed.map(([source]) => source)).toEqual(['m-1@mapper-1', 'm-3@mapper-1']);
      expect(failed[0]![1]).toContain('no output of m-1 here');
      // Every source was tried once (m-2 and m-3 after the first failure, as probes).
      expect(calls).toEqual(['m-0', 'm-1', 'm-2', 'm-3']);
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports failures from two mappers at concurrency 8 too', async () => {
    const failed: string[] = [];
    const ids = ['a', 'b', 'c', 'd', 'e'];
    await expect(
      fetchPartition(servingClients({ a: run([['x', 1]]), c: run([['x', 1]]), e: run([['x', 1]]) }, 100, new Set(['b', 'd'])), 'j', 0, locations(ids), {
        concurrency: 8,
        signal: new AbortController().signal,
        retries: 0,
        onFailed: (source) => failed.push(source.taskId),
      }),
    ).rejects.toThrow(/2 of 5 map outputs/);
    expect(failed.sort()).toEqual(['b', 'd']);
  });
});

describe('fetchPartition merging while fetching', () => {
  /** Fetches `sources` merging while fetching, `concurrency` at a time, counting the early merges. */
  async function fetchCountingMerges(concurrency: number): Promise<{ fetched: Awaited<ReturnType<typeof fetchPartition>>; merges: number }> {
    let merges = 0;
    const fetched = await fetchPartition(clients, 'j', 0, sources, {
      concurrency,
      signal: new AbortController().signal,
      memoryBudgetBytes: 1 << 20,
      mergeWhileFetching: true,
      compact: async (runs) => {
        merges += 1;
        return runMergeTask(wordcount, runs).output;
      },
    });
    return { fetched, merges };
  }

  it('merges runs that have arrived while later fetches run, and the reduce result is unchanged', async () => {
    const { fetched, merges } = await fetchCountingMerges(1);
    expect(merges).toBeGreaterThan(0);
    expect(fetched.merges).toBe(merges);
    expect(fetched.runs.length).toBeLessThan(sources.length);
    const reduced = runReduceTask(wordcount, fetched.runs, {});
    expect([...readResultRecords(reduced.output, 'int')]).toEqual([['a', 5], ['b', 7], ['c', 1], ['d', 3]]);
  });

  it('rejects with the error of an early merge that failed while later fetches ran (never returns without its runs)', async () => {
    const fetching = fetchPartition(clients, 'j', 0, sources, {
      concurrency: 1,
      signal: new AbortController().signal,
      memoryBudgetBytes: 1 << 20,
      mergeWhileFetching: true,
      compact: () => Promise.reject(new Error('the worker thread died')),
    });
    await expect(fetching).rejects.toThrow('the worker thread died');
  });

  it('a call cancelled while an early merge runs rejects with the cancellation, and the merge\'s own rejection is handled', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const abort = new AbortController();
      // Later fetches wait for the cancellation; the merge of the first two fails with it too.
      const slow = createRouterTransport(({ service }) => {
        service(MapperService, {
          async *streamPartition(request, ctx) {
            if (request.taskId !== 'm-0' && request.taskId !== 'm-1') await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
            yield { data: outputs[request.taskId]! };
          },
        });
      });
      const fetching = fetchPartition({ client: (svc: typeof MapperService) => createClient(svc, slow) } as unknown as ClientFactory, 'j', 0, sources, {
        concurrency: 2, // m-0 and m-1 arrive, the rest wait for a slot: an early merge starts
        signal: abort.signal,
        memoryBudgetBytes: 1 << 20,
        mergeWhileFetching: true,
        compact: () =>
          new Promise((_, reject) => {
            abort.signal.addEventListener('abort', () => reject(new Error('merge task was cancelled')), { once: true });
            setTimeout(() => abort.abort(new Error('cancelled by the client')), 20);
          }),
      });
      await expect(fetching).rejects.toThrow();
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('seeded random map outputs (non-ASCII, astral and U+E000+ keys, repeated across outputs) fetched in small chunks and merged early reduce to a Map-based sum', async () => {
    let seed = 17;
    const random = (): number => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32;
    const pieces = ['the', 'a', 'é', '日本', '\uE000', '\uFFFD', '\uFF41', '😀', '\u{10FFFF}', '\uFEFF'];
    const sums = new Map<string, number>();
    const served: Record<string, Uint8Array> = {};
    for (let m = 0; m < 7; m++) {
      const records: [string, number][] = [];
      for (let i = Math.floor(random() * 500); i > 0; i--) {
        let key = '';
        for (let p = Math.floor(random() * 3); p >= 0; p--) key += pieces[Math.floor(random() * pieces.length)]!;
        const value = 1 + Math.floor(random() * 9);
        records.push([key, value]);
        sums.set(key, (sums.get(key) ?? 0) + value);
      }
      served[`m-${m}`] = run(records.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0)));
    }
    const fetched = await fetchPartition(servingClients(served, 97), 'j', 0, locations(Object.keys(served)), {
      concurrency: 3,
      signal: new AbortController().signal,
      memoryBudgetBytes: 1 << 20,
      mergeWhileFetching: true,
      compact: async (runs) => runMergeTask(wordcount, runs).output,
    });
    expect(fetched.merges).toBeGreaterThan(0);
    const reduced = runReduceTask(wordcount, fetched.runs, {});
    expect([...readResultRecords(reduced.output, 'int')]).toEqual([...sums.keys()].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))).map((k) => [k, sums.get(k)])); // results: UTF-8 byte order
  });

  it('does not merge early when every source is being fetched at once (the final merge sees them all)', async () => {
    const { fetched, merges } = await fetchCountingMerges(sources.length);
    expect(merges).toBe(0);
    expect(fetched.runs).toHaveLength(sources.length);
  });

  it('stops merging early once a merge does not shrink the runs (no combiner)', async () => {
    const served = Object.fromEntries(['p', 'q', 'r', 's', 't', 'u'].map((id, i) => [id, run([[`k${i}`, i]])]));
    let merges = 0;
    const fetched = await fetchPartition(servingClients(served, 1000), 'j', 0, locations(Object.keys(served)), {
      concurrency: 1,
      signal: new AbortController().signal,
      memoryBudgetBytes: 1 << 20,
      mergeWhileFetching: true,
      compact: async (runs) => {
        merges += 1;
        return runMergeTask(wordcount, runs).output; // distinct keys: nothing folds
      },
    });
    expect(merges).toBe(1);
    const reduced = runReduceTask(wordcount, fetched.runs, {});
    expect(reduced.recordsOut).toBe(6);
  });
});

