// Real worker threads running the BUILT worker (run `npx nx run pool:build` first).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  isCancelledError, isDeadlineExceededError, isFunctionNotFoundError, isInternalError, isInvalidArgumentError, isUserCodeError,
  isWorkerCrashedError,
} from '@weft/errors';
import { runMapTask, wordcount } from '@weft/jobs';
import { intCodec, readResultRecords, readRun } from '@weft/records';
import { TaskPool } from './task-pool.js';
import type { MapWork } from './task-types.js';

const fixtures = fileURLToPath(new URL('./__fixtures__/test-jobs.ts', import.meta.url));
const encode = (text: string): Uint8Array => new TextEncoder().encode(text);
const mapWork = (job: string, text: string, extra: Partial<MapWork> = {}): MapWork => ({
  job, params: {}, partitions: 1, input: encode(text), inputLabel: 'in.txt', firstLine: 10, skipBadRecords: false, ...extra,
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('TaskPool', () => {
  let pool: TaskPool;
  beforeAll(() => {
    pool = new TaskPool({ maxThreads: 2, functionModules: [fixtures] });
  });
  afterAll(async () => {
    await pool.close();
  });

  it('runs a map task on a thread with the same output as the in-process core', async () => {
    const text = 'The cat the dog\nA cat\r\nÜber über\n';
    const expected = runMapTask(wordcount, encode(text), { params: {}, partitions: 3, inputLabel: 'x', firstLine: 0, skipBadRecords: false });
    const before = Date.now();
    const result = await pool.runMap(mapWork('wordcount', text, { partitions: 3 }));
    expect(result.partitions).toEqual(expected.partitions);
    expect(result).toMatchObject({ partitionRecords: expected.partitionRecords, recordsIn: 3, recordsOut: 5, bytesIn: encode(text).length, skippedRecords: 0 });
    expect(result.workerStartedMs).toBeGreaterThanOrEqual(before - 1);
    expect(result.workerEndedMs).toBeGreaterThanOrEqual(result.workerStartedMs);
    expect(result.workerEndedMs).toBeLessThanOrEqual(Date.now() + 1);
  });

  it('reads a file split on the thread: the lines starting in the range, errors located from the split\'s first line', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'weft-pool-split-'));
    try {
      const text = 'skip me\nThe cat the dog\nA cat\r\nÜber über\nboom\nnext split\n';
      const file = path.join(dir, 'in.txt');
      writeFileSync(file, text);
      const start = 3; // inside the first line: the split owns from "The cat" on
      const end = text.indexOf('next split'); // "next split" starts at end: the next split's
      const owned = text.slice(text.indexOf('The'), end);
      const expected = runMapTask(wordcount, encode(owned), { params: {}, partitions: 2, inputLabel: 'x', firstLine: 0, skipBadRecords: false });
      const result = await pool.runMap(mapWork('wordcount', '', { partitions: 2, input: { path: file, start, end } }));
      expect(result.partitions).toEqual(expected.partitions);
      expect(result).toMatchObject({ recordsIn: 4, bytesIn: encode(owned).length });
      const error = await rejection(pool.runMap(mapWork('trouble', '', { input: { path: file, start, end }, firstLine: 1 })));
      expect(isUserCodeError(error) && error.location).toBe(`in.txt (from byte ${text.indexOf('The')}) line 4`);
      const missing = await rejection(pool.runMap(mapWork('wordcount', '', { input: { path: path.join(dir, 'gone.txt'), start: 0, end: 10 } })));
      expect(missing).toBeInstanceOf(Error);
      expect((missing as Error).message).toMatch(/ENOENT.*gone\.txt/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('transfers an input that owns its buffer and copies a view into a larger one', async () => {
    const owned = encode('a b\n');
    await pool.runMap(mapWork('wordcount', '', { input: owned }));
    expect(owned.byteLength).toBe(0); // detached: moved, not copied

    const big = encode('xx a b\nyy');
    const view = big.subarray(3, 7);
    const result = await pool.runMap(mapWork('wordcount', '', { input: view }));
    expect([...readRun(result.partitions[0]!, intCodec)]).toEqual([['a', 1], ['b', 1]]);
    expect(big.byteLength).toBe(9); // the caller's larger buffer is untouched

    // A caller that gives up the whole buffer: the view moves with its offset, nothing is copied.
    const whole = encode('xx a b\nyy');
    const part = whole.subarray(3, 7);
    const moved = await pool.runMap(mapWork('wordcount', '', { input: part }), { inputOwnsBuffer: true });
    expect(moved.partitions).toEqual(result.partitions);
    expect(whole.byteLength).toBe(0);
    expect(part.byteLength).toBe(0);
  });

  it('runs a reduce task over map outputs', async () => {
    const a = await pool.runMap(mapWork('wordcount', 'x y x'));
    const b = await pool.runMap(mapWork('wordcount', 'y z'));
    const result = await pool.runReduce({ job: 'wordcount', params: {}, runs: [a.partitions[0]!, b.partitions[0]!] });
    expect([...readResultRecords(result.output, 'int')]).toEqual([['x', 2], ['y', 2], ['z', 1]]);
    expect(result).toMatchObject({ recordsIn: 4, recordsOut: 3, bytesOut: result.output.length });
  });

  it('runs reduce and merge tasks over runs given as their pieces, moving each piece with its buffer (no copy)', async () => {
    const a = await pool.runMap(mapWork('wordcount', 'x y x w'));
    const b = await pool.runMap(mapWork('wordcount', 'y z'));
    // Each piece is the only view into a buffer a little larger than it (like a network message's bytes field).
    const pieces = (run: Uint8Array, size: number): Uint8Array[] => {
      const out: Uint8Array[] = [];
      for (let at = 0; at < run.byteLength; at += size) {
        const piece = run.subarray(at, at + size);
        const buffer = new Uint8Array(piece.byteLength + 5);
        buffer.set(piece, 5);
        out.push(buffer.subarray(5));
      }
      return out;
    };
    const split = [pieces(a.partitions[0]!, 4), pieces(b.partitions[0]!, 7)];
    const result = await pool.runReduce({ job: 'wordcount', params: {}, runs: [split[0]!, b.partitions[0]!.slice()] });
    expect([...readResultRecords(result.output, 'int')]).toEqual([['w', 1], ['x', 2], ['y', 2], ['z', 1]]);
    expect(result.recordsIn).toBe(5);
    expect(split[0]!.every((piece) => piece.buffer.byteLength === 0)).toBe(true); // moved, not copied
    const merged = await pool.runMerge({ job: 'wordcount', runs: [a.partitions[0]!.slice(), split[1]!] });
    expect([...readRun(merged.output, intCodec)]).toEqual([['w', 1], ['x', 2], ['y', 2], ['z', 1]]);
  });

  it('runs a reduce task over runs in memory and in files, writing the result records to a file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'weft-pool-files-'));
    try {
      const a = await pool.runMap(mapWork('wordcount', 'x y x'));
      const b = await pool.runMap(mapWork('wordcount', 'y z'));
      writeFileSync(path.join(dir, 'b.run'), b.partitions[0]!);
      const outputFile = path.join(dir, 'out.run');
      const result = await pool.runReduceFiles({ job: 'wordcount', params: {}, runs: [a.partitions[0]!], files: [path.join(dir, 'b.run')], outputFile });
      const output = new Uint8Array(readFileSync(outputFile));
      expect([...readResultRecords(output, 'int')]).toEqual([['x', 2], ['y', 2], ['z', 1]]);
      expect(result).toMatchObject({ recordsIn: 4, recordsOut: 3, bytesOut: output.length });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('merges map outputs into one run on a thread (combine applied), ready for the final reduce', async () => {
    const a = await pool.runMap(mapWork('wordcount', 'x y x'));
    const b = await pool.runMap(mapWork('wordcount', 'y z'));
    const merged = await pool.runMerge({ job: 'wordcount', runs: [a.partitions[0]!, b.partitions[0]!] });
    expect([...readRun(merged.output, intCodec)]).toEqual([['x', 2], ['y', 2], ['z', 1]]);
    expect(merged.recordsIn).toBe(4);
  });

  it('rebuilds a UserCodeError with its location, or skips bad records when asked', async () => {
    const error = await rejection(pool.runMap(mapWork('trouble', 'ok\nboom\n')));
    expect(isUserCodeError(error)).toBe(true);
    expect(error).toMatchObject({ location: 'in.txt line 11', message: 'trouble map failed: exploded (at in.txt line 11)' });

    const skipped = await pool.runMap(mapWork('trouble', 'ok\nboom\nok', { skipBadRecords: true }));
    expect(skipped.skippedRecords).toBe(1);
    expect([...readRun(skipped.partitions[0]!, intCodec)]).toEqual([['ok', 2]]);
  });

  it('reports unknown jobs and functions, and bad params', async () => {
    const job = await rejection(pool.runMap(mapWork('nope', 'x')));
    expect(isFunctionNotFoundError(job) && job.message).toBe('no job named "nope" is registered');
    const fn = await rejection(pool.runFunction('wordcount', 1, {}));
    expect(isFunctionNotFoundError(fn) && fn.message).toBe('no function named "wordcount" is registered');
    const params = await rejection(pool.runMap(mapWork('grep', 'x', { params: { pattern: '(' } })));
    expect(isInvalidArgumentError(params) && params.field).toBe('spec.params.pattern');
  });

  it('tells whether a job combines (asked of a thread once, then cached), and reports unknown jobs', async () => {
    expect(await pool.jobTraits('wordcount')).toEqual({ combines: true });
    expect(await pool.jobTraits('inverted-index')).toEqual({ combines: false });
    expect(pool.jobTraits('wordcount')).toBe(pool.jobTraits('wordcount'));
    const unknown = await rejection(pool.jobTraits('nope'));
    expect(isFunctionNotFoundError(unknown) && unknown.message).toBe('no job named "nope" is registered');
  });

  it('runs cpu scatter functions, built-in and from function modules', async () => {
    expect(await pool.runFunction('count-primes', 100_000, {})).toBe(9592);
    expect(await pool.runFunction('slow-double', 21, { ms: 1 })).toBe(42);
    const bad = await rejection(pool.runFunction('count-primes', -5, {}));
    expect(isInvalidArgumentError(bad) && bad.message).toBe('input must be a non-negative integer, got -5');
  });

  it('reports a scatter function\'s own failures as UserCodeError', async () => {
    const thrown = await rejection(pool.runFunction('misbehave', 'throw', {}));
    expect(isUserCodeError(thrown) && thrown.message).toBe('function misbehave failed: user bug');
    const uncloneable = await rejection(pool.runFunction('misbehave', 'fn', {}));
    expect(isUserCodeError(uncloneable) && uncloneable.message).toMatch(/^function misbehave returned a value that cannot leave its thread: /);
  });

  it('cancels a running task by terminating its thread, then keeps serving', async () => {
    const controller = new AbortController();
    const pending = pool.runMap(mapWork('trouble', 'spin'), { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('user pressed ^C')), 50);
    const error = await rejection(pending);
    expect(isCancelledError(error) && error.message).toBe('map task was cancelled: user pressed ^C');
    expect(await pool.runFunction('slow-double', 2, {})).toBe(4);
  });

  it('turns a timeout abort into DeadlineExceededError', async () => {
    const error = await rejection(pool.runMap(mapWork('trouble', 'spin'), { signal: AbortSignal.timeout(50) }));
    expect(isDeadlineExceededError(error) && error.message).toBe('map task exceeded its deadline');
    const already = await rejection(pool.runFunction('echo', 1, {}, { signal: AbortSignal.abort() }));
    expect(isCancelledError(already)).toBe(true);
  });

  it('reports a crashed thread as WorkerCrashedError and replaces it', async () => {
    const error = await rejection(pool.runMap(mapWork('trouble', 'a\ncrash')));
    expect(isWorkerCrashedError(error) && error.message).toBe('worker thread crashed running map task: worker exited with code: 7');
    const results = await Promise.all([1, 2, 3, 4].map((n) => pool.runFunction('slow-double', n, { ms: 5 })));
    expect(results).toEqual([2, 4, 6, 8]);
  });

  it('counts busy and queued tasks', async () => {
    // Long enough tasks that the first two are still running however slowly the threads start.
    const tasks = [1, 2, 3, 4, 5].map((n) => pool.runFunction('slow-double', n, { ms: 500 }));
    for (const deadline = Date.now() + 10_000; pool.busy !== 2 && Date.now() < deadline;) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(pool.busy).toBe(2);
    expect(pool.queued).toBe(3);
    await Promise.all(tasks);
    expect(pool.busy).toBe(0);
    expect(pool.queued).toBe(0);
  });
});

describe('TaskPool lifecycle', () => {
  it('validates maxThreads', () => {
    expect(() => new TaskPool({ maxThreads: 0 })).toThrow(new RangeError('options.maxThreads must be a positive integer, got 0'));
    expect(() => new TaskPool({ maxThreads: 1.5 })).toThrow(RangeError);
  });

  it('fails tasks with the loading error when a function module cannot load', async () => {
    const pool = new TaskPool({ maxThreads: 1, functionModules: ['/nonexistent/jobs.js'] });
    try {
      const error = await rejection(pool.runFunction('echo', 1, {}));
      expect(isInternalError(error) && error.message).toMatch(/^cannot load function module \/nonexistent\/jobs.js: /);
    } finally {
      await pool.close();
    }
  });

  it('rejects work after close, and cancels tasks still running at close', async () => {
    const pool = new TaskPool({ maxThreads: 1, functionModules: [fixtures] });
    const running = rejection(pool.runMap(mapWork('trouble', 'spin')));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await pool.close();
    const error = await running;
    expect(isCancelledError(error) && error.message).toBe('map task was cancelled: the task pool closed');
    const after = await rejection(pool.runFunction('echo', 1, {}));
    expect(isCancelledError(after) && after.message).toBe('function echo rejected: the task pool is closed');
  });
});
