import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { create } from '@bufbuild/protobuf';
import { FunctionRegistry } from '@weft/jobs';
import { JobSpecSchema, JobState, UploadJobRequestSchema, type JobSpec, type UploadJobRequest } from '@weft/proto';
import { createLogger } from '@weft/telemetry';
import type { JobManager } from './job-manager.js';
import { JobStore, type StoredJob } from './job-store.js';
import type { FileRange, MapInputFeed } from './upload-feed.js';
import { UploadStore } from './upload-store.js';
import { until } from './testing/until.js';

const log = createLogger({ service: 'test', level: 'silent' });
const encoder = new TextEncoder();

/** A job the fake manager accepted, and what its runner got from the feed. */
interface Submitted {
  readonly job: StoredJob;
  readonly feed?: MapInputFeed;
  readonly ranges: FileRange[];
  /** Settles when the feed ended: undefined, or the error it threw. */
  readonly followed: Promise<unknown>;
  readonly abort: AbortController;
}

/** JobManager.submit journaling into a real JobStore and following the feed like a runner. */
class FakeJobs implements Pick<JobManager, 'submit'> {
  readonly submitted: Submitted[] = [];
  private seq = 0;
  constructor(private readonly store: JobStore) {}

  async submit(spec: JobSpec, options: { feed?: MapInputFeed } = {}): Promise<{ job: StoredJob; deduplicated: boolean }> {
    if (spec.idempotencyKey) {
      const earlier = this.store.getByIdempotencyKey(spec.idempotencyKey);
      if (earlier) return { job: earlier, deduplicated: true };
    }
    const job: StoredJob = { id: `job-${++this.seq}`, seq: this.seq, spec, state: JobState.RUNNING, createdMs: 1, startedMs: 1, finishedMs: 0, error: '', counters: {}, resultCount: 0, traceId: '' };
    this.store.insert(job);
    const ranges: FileRange[] = [];
    const abort = new AbortController();
    const followed = (async () => {
      if (!options.feed) return undefined;
      try {
        for await (const range of options.feed.ranges(abort.signal)) ranges.push(range);
        return undefined;
      } catch (error) {
        return error;
      }
    })();
    this.submitted.push({ job, feed: options.feed, ranges, followed, abort });
    return { job, deduplicated: false };
  }
}

// Every test's journal and uploads live under one directory, removed at the end.
const scratch = mkdtempSync(path.join(tmpdir(), 'weft-upload-store-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function setup(): { dir: string; store: JobStore; jobs: FakeJobs; uploads: UploadStore } {
  const root = mkdtempSync(path.join(scratch, 'test-'));
  const dir = path.join(root, 'uploads');
  const store = new JobStore(root);
  const jobs = new FakeJobs(store);
  const uploads = new UploadStore(dir, { jobs, store, functions: FunctionRegistry.withBuiltins(), policy: { roots: [root], internalRoots: [dir], urlHosts: [] }, log, splitBytes: 8 });
  return { dir, store, jobs, uploads };
}

function specMessage(init: { idempotencyKey?: string; inputs?: JobSpec['inputs'] } = {}): UploadJobRequest {
  return create(UploadJobRequestSchema, { kind: { case: 'spec', value: create(JobSpecSchema, { function: 'wordcount', reducers: 1, ...init }) } });
}

function chunk(text: string): UploadJobRequest {
  return create(UploadJobRequestSchema, { kind: { case: 'chunk', value: encoder.encode(text) } });
}

/** The last message of a complete upload of `bytes` bytes. */
function end(bytes: number): UploadJobRequest {
  return create(UploadJobRequestSchema, { kind: { case: 'end', value: { bytes: BigInt(bytes) } } });
}

/** A request stream that yields `messages`, waiting for `gate` (if any) before the one at `gateAt`, then throws `error` (if any). */
async function* stream(messages: UploadJobRequest[], options: { error?: Error; gate?: Promise<void>; gateAt?: number } = {}): AsyncGenerator<UploadJobRequest> {
  for (const [index, message] of messages.entries()) {
    if (options.gate && index === options.gateAt) await options.gate;
    yield message;
  }
  if (options.error) throw options.error;
}

describe('UploadStore', () => {
  it('submits the job with its first bytes and maps ranges while the rest streams; answers when complete', async () => {
    const { dir, store, jobs, uploads } = setup();
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const receiving = uploads.receive(stream([specMessage({ idempotencyKey: 'k1' }), chunk('one two\nthree '), chunk('four\n'), chunk('five\nsix'), end(27)], { gate, gateAt: 2 }));
    // The job exists, without its key, and has its first range before the upload is complete.
    await until(() => jobs.submitted[0]?.ranges.length === 1, 'the first range is handed out');
    expect(jobs.submitted).toHaveLength(1);
    const [{ job, ranges, followed }] = jobs.submitted;
    expect(job.spec.idempotencyKey).toBe('');
    expect(store.getByIdempotencyKey('k1')).toBeUndefined();
    const file = job.spec.inputs.at(-1)!.source.value as { path: string };
    expect(path.dirname(file.path)).toBe(dir);
    expect(ranges.map(({ start, end }) => [start, end])).toEqual([[0, 8]]);
    expect(existsSync(file.path.replace(/\.txt$/, '.partial'))).toBe(true);
    open();
    const response = await receiving;
    expect(await followed).toBeUndefined();
    expect(response).toMatchObject({ jobId: job.id, bytesReceived: 27n, deduplicated: false });
    expect(ranges.map(({ start, end }) => [start, end])).toEqual([[0, 8], [8, 19], [19, 27]]);
    expect(readFileSync(file.path, 'utf8')).toBe('one two\nthree four\nfive\nsix');
    // Complete: the marker is gone, the key is the job's, and the sweep knows the file's job.
    expect(existsSync(file.path.replace(/\.txt$/, '.partial'))).toBe(false);
    expect(store.getByIdempotencyKey('k1')?.id).toBe(job.id);
    expect(job.spec.idempotencyKey).toBe('k1');
    expect(readFileSync(file.path.replace(/\.txt$/, '.job'), 'utf8')).toBe(job.id);
    uploads.close();
  });

  it('an upload that breaks off fails its job, which never holds the key, so a retry with the key runs', async () => {
    const { store, jobs, uploads } = setup();
    const broken = uploads.receive(stream([specMessage({ idempotencyKey: 'k2' }), chunk('a b\nc d\ne f\n'), chunk('half')], { error: new Error('stream reset by peer') }));
    await expect(broken).rejects.toThrow('stream reset by peer');
    const [first] = jobs.submitted;
    expect(await first!.followed).toEqual(new Error('the upload broke off after 16 bytes: stream reset by peer'));
    expect(store.getByIdempotencyKey('k2')).toBeUndefined();
    // The marker stays until the sweep: a restart before the job ended still fails it.
    const file = (first!.job.spec.inputs.at(-1)!.source.value as { path: string }).path;
    expect(existsSync(file.replace(/\.txt$/, '.partial'))).toBe(true);

    const retried = await uploads.receive(stream([specMessage({ idempotencyKey: 'k2' }), chunk('a b\n'), end(4)]));
    expect(retried).toMatchObject({ jobId: jobs.submitted[1]!.job.id, deduplicated: false });
    expect(store.getByIdempotencyKey('k2')?.id).toBe(jobs.submitted[1]!.job.id);
    uploads.close();
  });

  it('a stream that ends without `end` (a cut that looks like an end) fails its job and is refused', async () => {
    const { store, jobs, uploads } = setup();
    await expect(uploads.receive(stream([specMessage({ idempotencyKey: 'k4' }), chunk('a b\nc d\ne f\n')]))).rejects.toMatchObject({ kind: 'invalid-argument', message: expect.stringMatching(/^end never came/) });
    expect(await jobs.submitted[0]!.followed).toEqual(new Error('the upload broke off after 12 bytes: end never came: an UploadJob stream must end with it, and one without it was broken off'));
    expect(store.getByIdempotencyKey('k4')).toBeUndefined();
    uploads.close();
  });

  it('of two uploads with one key, the second to complete answers with the first job and fails its own', async () => {
    const { store, jobs, uploads } = setup();
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const slow = uploads.receive(stream([specMessage({ idempotencyKey: 'k3' }), chunk('x\n'), chunk('y\n'), end(4)], { gate, gateAt: 2 }));
    await until(() => jobs.submitted.length === 1, 'the slow upload\'s job is submitted');
    const fast = await uploads.receive(stream([specMessage({ idempotencyKey: 'k3' }), chunk('z\n'), end(2)]));
    open();
    const late = await slow;
    const [slowJob, fastJob] = jobs.submitted;
    expect(fast).toMatchObject({ jobId: fastJob!.job.id, deduplicated: false });
    expect(late).toMatchObject({ jobId: fastJob!.job.id, deduplicated: true });
    expect(await slowJob!.followed).toEqual(new Error(`job ${fastJob!.job.id} with the same idempotency key was accepted first`));
    expect(store.getByIdempotencyKey('k3')?.id).toBe(fastJob!.job.id);
    // A key already held answers at once, storing nothing.
    const again = await uploads.receive(stream([specMessage({ idempotencyKey: 'k3' }), chunk('never read\n'), end(11)]));
    expect(again).toMatchObject({ jobId: fastJob!.job.id, deduplicated: true });
    expect(jobs.submitted).toHaveLength(2);
    uploads.close();
  });

  it('a job that ends before its upload fails the stream with FAILED_PRECONDITION naming the job', async () => {
    const { jobs, uploads } = setup();
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const receiving = uploads.receive(stream([specMessage(), chunk('a\n'), chunk('b\n'), end(4)], { gate, gateAt: 2 }));
    await until(() => jobs.submitted.length === 1, 'the job is submitted');
    const [submitted] = jobs.submitted;
    submitted!.abort.abort(new Error('map task m-0 failed after 4 attempts: boom'));
    await submitted!.followed;
    open();
    await expect(receiving).rejects.toMatchObject({ kind: 'failed-precondition', message: `job ${submitted!.job.id} ended before its upload did: map task m-0 failed after 4 attempts: boom` });
    uploads.close();
  });

  it('checks the messages: the spec first, chunks after it, and some input', async () => {
    const { jobs, uploads } = setup();
    await expect(uploads.receive(stream([chunk('a\n')]))).rejects.toMatchObject({ kind: 'invalid-argument', message: expect.stringContaining('spec') });
    await expect(uploads.receive(stream([specMessage(), chunk('a\n'), specMessage()]))).rejects.toMatchObject({ kind: 'invalid-argument', message: expect.stringContaining('chunk') });
    expect(await jobs.submitted[0]!.followed).toEqual(new Error('the upload broke off after 2 bytes: chunk every UploadJob message between the first and `end` must be a chunk'));
    await expect(uploads.receive(stream([specMessage(), chunk('a\n'), end(2), chunk('b\n')]))).rejects.toMatchObject({ kind: 'invalid-argument', message: 'end must be the last UploadJob message' });
    await expect(uploads.receive(stream([specMessage(), chunk('a\n'), end(3)]))).rejects.toMatchObject({ kind: 'invalid-argument', message: 'end.bytes is 3 but the chunks held 2 bytes' });
    expect(await jobs.submitted.at(-1)!.followed).toEqual(new Error('the upload broke off after 2 bytes: end.bytes is 3 but the chunks held 2 bytes'));
    await expect(uploads.receive(stream([specMessage(), end(0)]))).rejects.toMatchObject({ kind: 'invalid-argument', message: expect.stringContaining('spec.inputs') });
    // No bytes but inputs of its own: submitted as it is, no upload file.
    const inline = { source: { case: 'inline' as const, value: { records: ['a'] } } };
    const response = await uploads.receive(stream([specMessage({ inputs: create(JobSpecSchema, { inputs: [inline] }).inputs }), end(0)]));
    expect(jobs.submitted.at(-1)!.job.spec.inputs).toHaveLength(1);
    expect(response).toMatchObject({ jobId: jobs.submitted.at(-1)!.job.id, bytesReceived: 0n });
    uploads.close();
  });

  it('when it starts, fails the unfinished jobs whose upload a stop cut off, and leaves the others to run again', () => {
    const { dir, store, jobs, uploads } = setup();
    uploads.close();
    const job = (id: string, file: string): StoredJob => {
      const spec = create(JobSpecSchema, { function: 'wordcount', inputs: [{ source: { case: 'file', value: { path: file } } }] });
      const stored: StoredJob = { id, seq: 0, spec, state: JobState.RUNNING, createdMs: 1, startedMs: 1, finishedMs: 0, error: '', counters: {}, resultCount: 0, traceId: '' };
      store.insert(stored);
      return stored;
    };
    writeFileSync(path.join(dir, 'cut.txt'), 'half a li');
    writeFileSync(path.join(dir, 'cut.partial'), '');
    writeFileSync(path.join(dir, 'whole.txt'), 'a\n');
    job('job-cut', path.join(dir, 'cut.txt'));
    job('job-whole', path.join(dir, 'whole.txt'));
    const restarted = new UploadStore(dir, { jobs, store, functions: FunctionRegistry.withBuiltins(), policy: { roots: ['/'], internalRoots: [dir], urlHosts: [] }, log });
    expect(store.get('job-cut')).toMatchObject({ state: JobState.FAILED, error: expect.stringContaining('the upload broke off') });
    expect(store.get('job-whole')?.state).toBe(JobState.RUNNING);
    expect(store.unfinished().map((j) => j.id)).toEqual(['job-whole']);
    restarted.close();
  });
});
