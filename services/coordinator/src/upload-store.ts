import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { clone, create } from '@bufbuild/protobuf';
import { FailedPreconditionError, InvalidArgumentError, messageOf } from '@weft/errors';
import type { FunctionRegistry } from '@weft/jobs';
import { InputSchema, JobSpecSchema, JobState, type JobSpec, type UploadJobRequest, type UploadJobResponse, UploadJobResponseSchema } from '@weft/proto';
import type { Logger } from '@weft/telemetry';
import type { InputPolicy } from './input-policy.js';
import type { JobManager } from './job-manager.js';
import { isEndedState, type JobStore, type StoredJob } from './job-store.js';
import { UploadFeed } from './upload-feed.js';
import { validateJobSpec } from './validate-job-spec.js';

/** An upload file without a job this old is the remains of a broken upload. */
const orphanAgeMs = 60 * 60_000;

/**
 * How big the ranges of an upload are by default (see `UploadStore`'s `splitBytes`): the
 * coordinator passes COORDINATOR_SPLIT_SIZE, the largest split the planner makes of a file (128 MiB
 * by default). Smaller ranges start mapping sooner, but each task costs (its keys are combined only
 * within it, then sorted, shuffled and merged), and on a busy machine the maps only share the cores
 * with the upload: 256 MB on 2 one-thread mappers used ~1 CPU-second more with 64 MiB ranges than
 * with 128 MiB, and was no faster (interleaved rounds with the 2-thread baseline).
 */
export const defaultUploadSplitBytes = 128 * 1024 * 1024;

/**
 * UploadJob's server side. The stream's bytes go straight to a file under `<data dir>/uploads`
 * (one chunk in memory at a time, so a 1 GB upload costs the coordinator no more memory than a
 * small one). Mappers read its ranges themselves when they see the coordinator's data dir at the
 * same path (one machine, or a ReadWriteMany volume on Kubernetes); otherwise
 * (COORDINATOR_SHARED_FILES=false) the coordinator streams each range's lines to its mapper.
 *
 * The job does not wait for the whole upload: it is journaled with its first bytes, its upload
 * file as one more file input, and maps each line-aligned range of about `splitBytes` as soon as
 * the range is on disk ({@link UploadFeed}), so uploading and mapping overlap. The stream is still
 * answered only when it ended well, and then:
 * - an upload that breaks off fails its job ("the upload broke off after N bytes: ..."), and a
 *   coordinator that stops mid-upload fails it when it starts again (a `<id>.partial` marker
 *   stands until the upload is complete), so no job is ever counted on half its input;
 * - the idempotency key is claimed only when the upload is complete: a broken upload never holds
 *   it (the caller may retry with the same key), and of two complete ones with the same key the
 *   second answers with the first's job (its own fails, naming the first);
 * - a job that ends before its upload does (cancelled, or a task failed) fails the stream with
 *   FAILED_PRECONDITION naming the job.
 * A file is removed once its job has ended.
 */
export class UploadStore {
  private readonly active = new Set<string>();
  private readonly sweeper: NodeJS.Timeout;
  private readonly splitBytes: number;

  constructor(
    /** Where upload files live; always an allowed input root. */
    readonly dir: string,
    private readonly deps: {
      jobs: Pick<JobManager, 'submit'>; store: JobStore; functions: FunctionRegistry; policy: InputPolicy; log: Logger; sweepIntervalMs?: number;
      /** Bytes of upload per map task, cut at a line end (default {@link defaultUploadSplitBytes}). */
      splitBytes?: number;
    },
  ) {
    mkdirSync(dir, { recursive: true });
    this.splitBytes = Math.max(1, deps.splitBytes ?? defaultUploadSplitBytes);
    this.failInterrupted();
    this.sweeper = setInterval(() => void this.sweep(), deps.sweepIntervalMs ?? 30_000);
    this.sweeper.unref();
    void this.sweep();
  }

  /**
   * Receives one UploadJob stream: validates the spec first (before any byte is stored), submits
   * the job with the first bytes, writes the chunks to its file while the job maps what is
   * complete, and answers once the stream ended with `end` and the job holds its idempotency key.
   * `options.onJobCreated` hears the job's id as soon as it is journaled (the caller's ownership).
   * @throws InvalidArgumentError when the first message is not the spec, the last not `end` (or
   *   its byte count is not the chunks'), one between them not a chunk, or nothing at all is
   *   input; FailedPreconditionError when the job ended before its upload; whatever validation
   *   and submission throw.
   */
  async receive(requests: AsyncIterable<UploadJobRequest>, options: { onJobCreated?: (jobId: string) => void } = {}): Promise<UploadJobResponse> {
    const iterator = requests[Symbol.asyncIterator]();
    const first = await iterator.next();
    if (first.done || first.value.kind.case !== 'spec') throw new InvalidArgumentError('spec', 'must be the first UploadJob message');
    const spec = first.value.kind.value;
    if (spec.idempotencyKey) {
      const earlier = this.deps.store.getByIdempotencyKey(spec.idempotencyKey);
      if (earlier) return create(UploadJobResponseSchema, { jobId: earlier.id, deduplicated: true });
    }
    await validateJobSpec(spec, this.deps.functions, this.deps.policy, { allowNoInputs: true });

    const id = randomBytes(8).toString('hex');
    const file = path.join(this.dir, `${id}.txt`);
    const partial = path.join(this.dir, `${id}.partial`);
    this.active.add(id);
    let job: StoredJob | undefined;
    let feed: UploadFeed | undefined;
    /** The byte count of the `end` message, once it arrived. */
    let declared: bigint | undefined;
    try {
      const handle = await open(file, 'wx');
      try {
        for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
          if (declared !== undefined) throw new InvalidArgumentError('end', 'must be the last UploadJob message');
          if (next.value.kind.case === 'end') {
            declared = next.value.kind.value.bytes;
            continue;
          }
          if (next.value.kind.case !== 'chunk') throw new InvalidArgumentError('chunk', 'every UploadJob message between the first and `end` must be a chunk');
          const chunk = next.value.kind.value;
          if (chunk.byteLength === 0) continue;
          if (!feed) {
            ({ job, feed } = await this.start(spec, file, partial, id));
            options.onJobCreated?.(job.id);
          }
          if (feed.stopped !== undefined) throw stoppedError(job!, feed.stopped);
          // Awaited one at a time: the stream's flow control holds the sender back meanwhile.
          await handle.write(chunk, 0, chunk.byteLength);
          feed.wrote(chunk);
        }
      } finally {
        await handle.close();
      }
      // Only the client knows its upload is complete: a stream that a cancelled or reset call cut
      // short may look ended to the gateway and to us (Node's HTTP/2 layers end such a body like a
      // finished one), so without `end` it was broken off.
      if (declared === undefined) throw new InvalidArgumentError('end', 'never came: an UploadJob stream must end with it, and one without it was broken off');
      const received = feed?.bytes ?? 0;
      if (declared !== BigInt(received)) throw new InvalidArgumentError('end.bytes', `is ${declared} but the chunks held ${received} bytes`);
      if (!feed || !job) {
        // Nothing uploaded: the spec's own inputs are the job's.
        if (spec.inputs.length === 0) throw new InvalidArgumentError('spec.inputs', 'must contain at least one input when the upload carries no bytes');
        const { job: submitted, deduplicated } = await this.deps.jobs.submit(spec);
        this.deps.log.info({ jobId: submitted.id, bytes: 0, deduplicated }, 'upload received');
        return create(UploadJobResponseSchema, { jobId: submitted.id, bytesReceived: 0n, deduplicated });
      }
      if (feed.stopped !== undefined) throw stoppedError(job, feed.stopped);
      // The file is complete: from here a restarted coordinator runs the job again on all of it.
      await rm(partial, { force: true });
      const holder = spec.idempotencyKey ? this.deps.store.claimIdempotencyKey(job, spec.idempotencyKey) : undefined;
      if (holder) {
        feed.fail(new Error(`job ${holder.id} with the same idempotency key was accepted first`));
        this.deps.log.info({ jobId: job.id, bytes: feed.bytes, deduplicated: holder.id }, 'upload received; another job holds its idempotency key');
        return create(UploadJobResponseSchema, { jobId: holder.id, bytesReceived: BigInt(feed.bytes), deduplicated: true });
      }
      feed.complete();
      this.deps.log.info({ jobId: job.id, bytes: feed.bytes }, 'upload received');
      return create(UploadJobResponseSchema, { jobId: job.id, bytesReceived: BigInt(feed.bytes), deduplicated: false });
    } catch (error) {
      // The job (if any) must not run on part of its input: it fails, naming why.
      feed?.fail(new Error(`the upload broke off after ${feed.bytes} bytes: ${messageOf(error)}`));
      throw error;
    } finally {
      this.active.delete(id);
      // A job's file stays until the job has ended (the sweep), since its tasks may still read it.
      if (!job) await rm(file, { force: true });
    }
  }

  /** Journals the job of an upload whose first bytes arrived, without its idempotency key (claimed when complete). */
  private async start(spec: JobSpec, file: string, partial: string, id: string): Promise<{ job: StoredJob; feed: UploadFeed }> {
    await writeFile(partial, '');
    const full = clone(JobSpecSchema, spec);
    full.idempotencyKey = '';
    full.inputs.push(create(InputSchema, { source: { case: 'file', value: { path: file } } }));
    const feed = new UploadFeed(file, full.inputs.length - 1, this.splitBytes);
    try {
      const { job } = await this.deps.jobs.submit(full, { feed });
      await writeFile(path.join(this.dir, `${id}.job`), job.id);
      return { job, feed };
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
  }

  /**
   * Fails the unfinished jobs whose upload was still streaming when the coordinator stopped (their
   * `.partial` marker stands), before the job manager re-runs the others: run again, they would
   * count only the part that had arrived.
   */
  private failInterrupted(): void {
    for (const job of this.deps.store.unfinished()) {
      const interrupted = job.spec.inputs.some((input) => {
        if (input.source.case !== 'file') return false;
        const file = input.source.value.path;
        return path.dirname(file) === this.dir && file.endsWith('.txt') && existsSync(`${file.slice(0, -4)}.partial`);
      });
      if (!interrupted) continue;
      job.state = JobState.FAILED;
      job.error = 'the upload broke off: the coordinator stopped before all of the input had arrived';
      job.finishedMs = Date.now();
      this.deps.store.update(job);
      this.deps.log.warn({ jobId: job.id }, 'job failed: its upload was interrupted by a coordinator restart');
    }
  }

  /** Removes the files of ended jobs and of uploads that broke off long ago. */
  async sweep(): Promise<void> {
    try {
      const names = await readdir(this.dir);
      for (const name of names.filter((n) => n.endsWith('.txt'))) {
        const id = name.slice(0, -4);
        if (this.active.has(id)) continue;
        const jobId = await readFile(path.join(this.dir, `${id}.job`), 'utf8').catch(() => undefined);
        const ended = jobId !== undefined && (() => {
          const state = this.deps.store.get(jobId)?.state;
          return state === undefined || isEndedState(state);
        })();
        const orphan = jobId === undefined && Date.now() - (await stat(path.join(this.dir, name))).mtimeMs > orphanAgeMs;
        if (ended || orphan) {
          await rm(path.join(this.dir, name), { force: true });
          await rm(path.join(this.dir, `${id}.job`), { force: true });
          await rm(path.join(this.dir, `${id}.partial`), { force: true });
        }
      }
    } catch (error) {
      this.deps.log.warn({ err: error }, 'sweeping uploads failed');
    }
  }

  /** Stops the sweeper. */
  close(): void {
    clearInterval(this.sweeper);
  }
}

/** The error an upload answers when its job ended first. */
function stoppedError(job: StoredJob, reason: unknown): FailedPreconditionError {
  return new FailedPreconditionError(`job ${job.id} ended before its upload did: ${messageOf(reason)}`);
}
