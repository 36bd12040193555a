import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isPartitionUnavailableError } from '@weft/errors';
import { MapOutputStore } from './map-output-store.js';

async function read(chunks: AsyncIterable<Uint8Array>): Promise<{ text: string; pieces: number }> {
  const parts: Uint8Array[] = [];
  for await (const c of chunks) parts.push(c);
  return { text: Buffer.concat(parts).toString(), pieces: parts.length };
}

describe('MapOutputStore', () => {
  it('keeps outputs in memory up to the budget, spills the rest to disk, and serves both in chunks', async () => {
    const spillDir = path.join(mkdtempSync(path.join(tmpdir(), 'weft-store-')), 'spill');
    const store = new MapOutputStore({ memoryBudgetBytes: 10, spillDir });
    const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
    expect(await store.put('j1', 'm-0', 1, [enc('abcd'), enc('efgh')])).toEqual({ spilled: false, bytes: 8 });
    expect(await store.put('j1', 'm-1', 1, [enc('ijklmno'), enc('pq')])).toEqual({ spilled: true, bytes: 9 });
    expect({ memory: store.bytes, disk: store.spilledBytes }).toEqual({ memory: 8, disk: 9 });
    expect(readdirSync(spillDir)).toHaveLength(1);

    expect(await read(store.chunks('j1', 'm-0', 1, 1, 3))).toEqual({ text: 'efgh', pieces: 2 });
    expect(await read(store.chunks('j1', 'm-1', 1, 0, 3))).toEqual({ text: 'ijklmno', pieces: 3 });
    expect(await read(store.chunks('j1', 'm-1', 1, 1, 3))).toEqual({ text: 'pq', pieces: 1 });

    const missing = await read(store.chunks('j1', 'm-2', 1, 0, 3)).catch((e: unknown) => e);
    expect(isPartitionUnavailableError(missing)).toBe(true);
    expect((missing as Error).message).toBe('job j1 has no output of map task m-2 attempt 1 on this mapper');

    await store.dropJob('j1');
    expect({ memory: store.bytes, disk: store.spilledBytes, files: readdirSync(spillDir) }).toEqual({ memory: 0, disk: 0, files: [] });
    store.close();
    expect(existsSync(spillDir)).toBe(false);
  });
});
