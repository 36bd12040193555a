import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { create, fromBinary } from '@bufbuild/protobuf';
import { BinaryReader, sizeDelimitedEncode } from '@bufbuild/protobuf/wire';
import { JobSpecSchema, JobState, RecordSchema, ResultOrder, type Record as ProtoRecord } from '@weft/proto';
import { ResultWriter, codecByName, cutChunks, type ResultChunk, type ValueCodecName } from '@weft/records';
import { JobStore, type StoredJob } from './job-store.js';
import type { DelimitedBatch } from './result-reader.js';
import { defaultChunkBytes } from './result-chunks.js';

// Every store of this file lives under one directory, removed at the end.
const root = mkdtempSync(path.join(tmpdir(), 'weft-store-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A partition's chunks as the runner commits them: records as a reducer writes them (keys in UTF-16 order), cut. */
function chunksOf(records: Iterable<readonly [string, unknown]>, codec: ValueCodecName, chunkBytes = defaultChunkBytes): ResultChunk[] {
  const writer = new ResultWriter();
  for (const [key, value] of records) {
    const bytes = new TextEncoder().encode(key);
    writer.addResult(bytes, 0, bytes.length, value, codecByName(codec));
  }
  return cutChunks(writer.finish(), chunkBytes);
}

function job(id: string, seq: number, key = ''): StoredJob {
  const spec = create(JobSpecSchema, { function: 'wordcount', idempotencyKey: key, inputs: [{ source: { case: 'inline', value: { records: ['a b'] } } }] });
  return { id, seq, spec, state: JobState.QUEUED, createdMs: 1, startedMs: 0, finishedMs: 0, error: '', counters: {}, resultCount: 0, traceId: '' };
}

/** A record as ReadResults should return it: `int` for integers that fit int64, JSON text otherwise. */
interface Expected {
  readonly key: string;
  readonly int?: bigint;
  readonly json?: string;
}

/** What a reduced value becomes, computed independently of the code under test. */
function expectedOf(key: string, value: unknown): Expected {
  if (typeof value === 'bigint') return value >= -(2n ** 63n) && value < 2n ** 63n ? { key, int: value } : { key, json: `"${value}"` };
  if (typeof value === 'number' && Number.isSafeInteger(value)) return { key, int: BigInt(value) };
  return { key, json: JSON.stringify(value) };
}

function protoOf(e: Expected): ProtoRecord {
  return create(RecordSchema, { key: e.key, value: { kind: e.int !== undefined ? { case: 'int', value: e.int } : { case: 'json', value: e.json! } } });
}

/** Decodes batches with protobuf-es (not the coordinator's own reader), checking each batch's record count. */
function decode(batches: Iterable<DelimitedBatch>): Expected[] {
  const records: Expected[] = [];
  for (const batch of batches) {
    const reader = new BinaryReader(batch.data);
    let n = 0;
    while (reader.pos < reader.len) {
      const record = fromBinary(RecordSchema, reader.bytes());
      const kind = record.value!.kind;
      records.push(kind.case === 'int' ? { key: record.key, int: kind.value } : { key: record.key, json: kind.value as string });
      n += 1;
    }
    expect(n).toBe(batch.records);
  }
  return records;
}

const utf8 = (key: string): Buffer => Buffer.from(key, 'utf8');
const byKeyBytes = (a: Expected, b: Expected): number => Buffer.compare(utf8(a.key), utf8(b.key));
/** SQL's `ORDER BY ival DESC, key ASC`: integers descending, NULL (JSON) last, then key bytes. */
function byValue(a: Expected, b: Expected): number {
  if (a.int !== undefined && b.int !== undefined && a.int !== b.int) return a.int > b.int ? -1 : 1;
  if ((a.int === undefined) !== (b.int === undefined)) return a.int === undefined ? 1 : -1;
  return byKeyBytes(a, b);
}

/** mulberry32: a small seeded generator, so a failure reproduces. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const alphabet = ['a', 'b', 'z', 'é', 'ß', '中', '\u{1F600}', '\u{10000}', '\uE000', '\uFF21', '\uFFFD', '\uFEFF', ' ', '\t', '0'];

function randomKeys(rand: () => number, n: number): string[] {
  const keys = new Set<string>(['']);
  while (keys.size < n) {
    let key = '';
    const length = 1 + Math.floor(rand() * (rand() < 0.05 ? 60 : 6));
    for (let i = 0; i < length; i++) key += alphabet[Math.floor(rand() * alphabet.length)];
    keys.add(key);
  }
  return [...keys];
}

function randomValue(rand: () => number, codec: ValueCodecName): unknown {
  const r = rand();
  if (codec === 'int') return r < 0.5 ? Math.floor(rand() * 20) : Math.floor((rand() - 0.5) * 2 ** 54);
  if (codec === 'bigint') {
    if (r < 0.4) return BigInt(Math.floor(rand() * 20));
    if (r < 0.7) return BigInt(Math.floor((rand() - 0.5) * 2 ** 53)) * 1003n; // beyond 2^53, within int64
    if (r < 0.8) return (r < 0.75 ? 1n : -1n) * 2n ** 63n + (r < 0.75 ? -1n : 0n); // the int64 bounds
    return (rand() < 0.5 ? 1n : -1n) * (2n ** 63n + BigInt(Math.floor(rand() * 1000))); // beyond int64
  }
  const choices: unknown[] = [Math.floor(rand() * 10), -7, 1.5, 'text "quoted"', ['x', 2], { a: null }, null, true, 2 ** 60, 'é\u{1F600}'];
  return choices[Math.floor(r * choices.length)];
}

/** Commits `keys` with random values as `partitions` partitions of a job, the way the runner does. */
function commit(store: JobStore, jobId: string, rand: () => number, keys: string[], codec: ValueCodecName, partitions: number, chunkBytes: number): Expected[] {
  const expected: Expected[] = [];
  const records = Array.from({ length: partitions }, (): [string, unknown][] => []);
  // Reducers emit keys in UTF-16 code-unit order (JavaScript's string order).
  for (const key of [...keys].sort()) {
    const value = randomValue(rand, codec);
    records[Math.floor(rand() * partitions)]!.push([key, value]);
    expected.push(expectedOf(key, value));
  }
  for (const [partition, partitionRecords] of records.entries()) store.insertResults(jobId, partition, chunksOf(partitionRecords, codec, chunkBytes));
  return expected;
}

describe('JobStore', () => {
  it('keeps jobs and results across reopening the database (what survives a coordinator SIGKILL)', () => {
    const dir = mkdtempSync(path.join(root, 'store-'));
    const first = new JobStore(dir);
    first.insert(job('j1', 1, 'key-1'));
    first.insert(job('j2', 2));
    const done = first.get('j1')!;
    done.state = JobState.SUCCEEDED;
    done.counters = { 'map.records_in': 2 };
    first.update(done);
    const records = [['a', 7n], ['b', 5n], ['c', 5n], ['huge', 99999999999999999999999n]] as const;
    expect(first.insertResults('j1', 0, chunksOf(records, 'bigint'))).toBe(4);
    first.close();

    const second = new JobStore(dir);
    expect(second.maxSeq()).toBe(2);
    expect(second.get('j1')).toMatchObject({ state: JobState.SUCCEEDED, counters: { 'map.records_in': 2 } });
    expect(second.get('j1')!.spec.inputs[0]!.source).toEqual({ case: 'inline', value: expect.objectContaining({ records: ['a b'] }) });
    expect(second.getByIdempotencyKey('key-1')!.id).toBe('j1');
    expect(second.unfinished().map((j) => j.id)).toEqual(['j2']);
    expect(second.list({ limit: 10 }).map((j) => j.id)).toEqual(['j2', 'j1']);
    expect(second.list({ limit: 10, state: JobState.SUCCEEDED }).map((j) => j.id)).toEqual(['j1']);
    expect(second.list({ limit: 10, beforeSeq: 2 }).map((j) => j.id)).toEqual(['j1']);

    expect(decode(second.readResults('j1', ResultOrder.KEY, 0, 0))).toEqual([
      { key: 'a', int: 7n },
      { key: 'b', int: 5n },
      { key: 'c', int: 5n },
      { key: 'huge', json: '"99999999999999999999999"' },
    ]);
    expect(decode(second.readResults('j1', ResultOrder.VALUE_DESC, 3, 0)).map((r) => r.key)).toEqual(['a', 'b', 'c']);
    expect(decode(second.readResults('j1', ResultOrder.VALUE_DESC, 0, 2)).map((r) => r.key)).toEqual(['c', 'huge']);
    expect(second.countResults('j1')).toBe(4);
    second.clearResults('j1');
    expect(second.countResults('j1')).toBe(0);
    expect([...second.readResults('j1', ResultOrder.KEY, 0, 0)]).toEqual([]);
    second.close();
  });

  it.each([
    ['int', 1, 1 << 20, 1 << 20],
    ['bigint', 3, 512, 700],
    ['json', 4, 200, 64],
  ] as const)('round-trips random %s results over %i partitions (chunks of %i bytes, batches of %i)', (codec, partitions, chunkBytes, batchBytes) => {
    const rand = random(partitions * 7919);
    const store = new JobStore(mkdtempSync(path.join(root, 'store-')));
    const expected = commit(store, 'j', rand, randomKeys(rand, 3000), codec, partitions, chunkBytes);
    store.insertResults('other', 0, chunksOf([], 'int'));
    expect(store.countResults('j')).toBe(expected.length);

    const byKey = [...expected].sort(byKeyBytes);
    const keyBatches = [...store.readResults('j', ResultOrder.KEY, 0, 0, batchBytes)];
    expect(decode(keyBatches)).toEqual(byKey);
    // The stored bytes are protobuf's own encoding of each Record, size-delimited.
    const joined = Buffer.concat(keyBatches.map((b) => b.data));
    expect(joined.equals(Buffer.concat(byKey.map((e) => sizeDelimitedEncode(RecordSchema, protoOf(e)))))).toBe(true);
    const byVal = [...expected].sort(byValue);
    expect(decode(store.readResults('j', ResultOrder.VALUE_DESC, 0, 0, batchBytes))).toEqual(byVal);

    const n = expected.length;
    const pages: [limit: number, offset: number][] = [[1, 0], [10, 0], [10, 5], [0, 1], [0, n - 1], [0, n], [5, n - 2], [0, n + 3], [n + 10, 0], [70_000, 3], [3, 70_000], [1, 1499]];
    for (const [limit, offset] of pages) {
      const end = limit > 0 ? offset + limit : undefined;
      expect(decode(store.readResults('j', ResultOrder.KEY, limit, offset, batchBytes))).toEqual(byKey.slice(offset, end));
      expect(decode(store.readResults('j', ResultOrder.VALUE_DESC, limit, offset, batchBytes))).toEqual(byVal.slice(offset, end));
    }
    store.close();
  });

  it('checkpoints the write-ahead log on its own thread after a commit, copying every frame', async () => {
    const dir = mkdtempSync(path.join(root, 'store-'));
    const store = new JobStore(dir);
    // Two commits of ~5 MB (~1300 pages) each. SQLite's automatic checkpoint (at 1000 pages) would
    // run inside the first and the second would then start the log afresh: ~1300 frames left.
    const records = (job: string) => Array.from({ length: 100_000 }, (_, i) => [`${job}-${String(i).padStart(6, '0')}-${'x'.repeat(30)}`, i] as const);
    const [first, second] = [chunksOf(records('j1'), 'int'), chunksOf(records('j2'), 'int')];
    const checkpoint = store.nextCheckpoint();
    expect(checkpoint).toBeDefined();
    // Both commits before the thread's first checkpoint (20 ms after the first nudge): it copies both.
    store.insertResults('j1', 0, first);
    store.insertResults('j2', 0, second);
    const result = await checkpoint!;
    expect(result.busy).toBe(0);
    expect(result.log).toBeGreaterThan(2400);
    expect(result.checkpointed).toBe(result.log);
    store.close();
    const reopened = new JobStore(dir);
    expect(reopened.countResults('j1') + reopened.countResults('j2')).toBe(200_000);
    reopened.close();
  });

  it('lets a process end that opened a journal and never closed it (the checkpoint thread holds nothing open)', () => {
    // The built store, as the coordinator runs it (npm test builds first).
    const built = new URL('../dist/job-store.js', import.meta.url).href;
    const dir = mkdtempSync(path.join(root, 'store-'));
    // A script file (with \`node -e\` such a process ended either way).
    const script = path.join(dir, 'open-journal.mjs');
    writeFileSync(script, `import { JobStore } from ${JSON.stringify(built)};\nnew JobStore(${JSON.stringify(dir)});\n`);
    const ran = spawnSync(process.execPath, [script], { timeout: 20_000, encoding: 'utf8' });
    expect({ status: ran.status, signal: ran.signal, stderr: ran.stderr }).toEqual({ status: 0, signal: null, stderr: '' });
  });

  it('writes a partition in UTF-8 byte order even where UTF-16 order differs, and refuses a key twice', () => {
    // UTF-16 order: U+1F600 (a surrogate pair, 0xD83D...) sorts before U+E000 and U+FF21; in UTF-8 it sorts after.
    const keys = ['a', '\u{1F600}', '\u{1F600}x', '\uE000', '\uFF21'];
    const store = new JobStore(mkdtempSync(path.join(root, 'store-')));
    store.insertResults('j', 0, chunksOf(keys.map((key) => [key, key.length]), 'int', 16));
    expect(decode(store.readResults('j', ResultOrder.KEY, 0, 0)).map((r) => r.key)).toEqual(['a', '\uE000', '\uFF21', '\u{1F600}', '\u{1F600}x']);
    store.close();

    // A lone surrogate is written as U+FFFD, so these two keys have the same bytes.
    expect(() => chunksOf([['\uD800', 1], ['\uFFFD', 2]], 'int')).toThrow('result key "\uFFFD" appears twice in one partition');
  });

  it('refuses records that are truncated, malformed or out of order (what a bad reducer could send)', () => {
    const writer = new ResultWriter();
    for (const key of ['a', 'b']) writer.add(new TextEncoder().encode(key), 0, 1, 1);
    const bytes = writer.finish();
    expect(() => cutChunks(bytes.subarray(0, bytes.length - 2), defaultChunkBytes)).toThrow(RangeError);
    const half = bytes.length / 2;
    expect(() => cutChunks(new Uint8Array([...bytes.subarray(half), ...bytes.subarray(0, half)]), defaultChunkBytes)).toThrow('result records are out of order: record 1 has key "a", not after "b"');
    expect(() => cutChunks(new Uint8Array([2, 0x08, 0x01]), defaultChunkBytes)).toThrow('result record 0 (at byte 0) is malformed');
  });

  it('migrates the results table of an older journal into chunks and drops it', () => {
    const dir = mkdtempSync(path.join(root, 'store-'));
    const old = new DatabaseSync(path.join(dir, 'journal.sqlite'));
    old.exec(`CREATE TABLE results (job_id TEXT NOT NULL, key TEXT NOT NULL, ival INTEGER, json TEXT, PRIMARY KEY (job_id, key)) WITHOUT ROWID;
      CREATE INDEX results_by_value ON results (job_id, ival DESC, key);`);
    const insert = old.prepare('INSERT INTO results VALUES (?, ?, ?, ?)');
    const rand = random(42);
    const keys = randomKeys(rand, 500);
    const expected: Expected[] = [];
    for (const key of keys) {
      const value = randomValue(rand, rand() < 0.5 ? 'bigint' : 'json');
      const e = expectedOf(key, value);
      insert.run('j0', key, e.int ?? null, e.json ?? null);
      expected.push(e);
    }
    insert.run('j1', 'only', 3, null);
    old.close();

    const store = new JobStore(dir, { chunkBytes: 256 });
    expect(store.countResults('j0')).toBe(keys.length);
    expect(decode(store.readResults('j0', ResultOrder.KEY, 0, 0))).toEqual([...expected].sort(byKeyBytes));
    expect(decode(store.readResults('j0', ResultOrder.VALUE_DESC, 20, 0))).toEqual([...expected].sort(byValue).slice(0, 20));
    expect(decode(store.readResults('j1', ResultOrder.VALUE_DESC, 0, 0))).toEqual([{ key: 'only', int: 3n }]);
    store.close();
    const check = new DatabaseSync(path.join(dir, 'journal.sqlite'));
    expect(check.prepare("SELECT name FROM sqlite_master WHERE tbl_name = 'results'").all()).toEqual([]);
    expect(Number((check.prepare("SELECT COUNT(*) AS n FROM result_chunks WHERE job_id = 'j0'").get() as { n: number }).n)).toBeGreaterThan(10);
    check.close();
    // Opening it again finds nothing left to migrate.
    const again = new JobStore(dir);
    expect(again.countResults('j0')).toBe(keys.length);
    again.close();
  });
});
