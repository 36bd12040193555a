import { createClient, createRouterTransport } from '@connectrpc/connect';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runMergeTask, runReduceFilesTask, runReduceTask, wordcount } from '@weft/jobs';
import { MapperService, type MapOutputLocation } from '@weft/proto/cluster';
import { codecByName, readRun, RunWriter } from '@weft/records';
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
    expect([...readRun(reduced.output, codecByName('int'))]).toEqual([['a', 5], ['b', 7], ['c', 1], ['d', 3]]);
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
        spill: async (data, index) => {
          const file = path.join(dir, `${index}.run`);
          await writeFile(file, data);
          return file;
        },
      });
      held.push(fetched.runs.reduce((sum, r) => sum + r.byteLength, 0));
      expect(fetched.files.length).toBeGreaterThan(0);
      expect(fetched.runs.length + fetched.files.length).toBe(sources.length);
      expect(held[0]).toBeLessThanOrEqual(40);
      expect(fetched.bytes).toBe(Object.values(outputs).reduce((sum, r) => sum + r.byteLength, 0));
      const outputFile = path.join(dir, 'out.run');
      runReduceFilesTask(wordcount, fetched.runs, fetched.files, outputFile, {});
      expect([...readRun(new Uint8Array(readFileSync(outputFile)), codecByName('int'))]).toEqual([['a', 5], ['b', 7], ['c', 1], ['d', 3]]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
