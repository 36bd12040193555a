import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { clone, create } from '@bufbuild/protobuf';
import { InvalidArgumentError } from '@weft/errors';
import type { FunctionRegistry } from '@weft/jobs';
import { InputSchema, JobSpecSchema, type UploadJobRequest, type UploadJobResponse, UploadJobResponseSchema } from '@weft/proto';
import type { Logger } from '@weft/telemetry';
import type { InputPolicy } from './input-policy.js';
import type { JobManager } from './job-manager.js';
import { isEndedState, type JobStore } from './job-store.js';
import { validateJobSpec } from './validate-job-spec.js';

/** An upload file without a job this old is the remains of a broken upload. */
const orphanAgeMs = 60 * 60_000;

/**
 * UploadJob's server side. The stream's bytes go straight to a file under `<data dir>/uploads`
 * (one chunk in memory at a time, so a 1 GB upload costs the coordinator no more memory than a
 * small one), and the job is then submitted with that file as one more file input, which the
 * planner splits into line-aligned ranges the mappers read themselves. That needs the mappers to
 * see the coordinator's data dir at the same path: true on one machine; on Kubernetes mount a
 * ReadWriteMany volume there in the coordinator and every mapper (see the coordinator README).
 * A file is removed once its job has ended.
 */
export class UploadStore {
  private readonly active = new Set<string>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    /** Where upload files live; always an allowed input root. */
    readonly dir: string,
    private readonly deps: { jobs: JobManager; store: JobStore; functions: FunctionRegistry; policy: InputPolicy; log: Logger; sweepIntervalMs?: number },
  ) {
    mkdirSync(dir, { recursive: true });
    this.sweeper = setInterval(() => void this.sweep(), deps.sweepIntervalMs ?? 30_000);
    this.sweeper.unref();
    void this.sweep();
  }

  /**
   * Receives one UploadJob stream: validates the spec first (before any byte is stored), writes the
   * chunks to a new file, then submits the job.
   * @throws InvalidArgumentError when the first message is not the spec, or nothing at all is input;
   *   whatever validation and submission throw.
   */
  async receive(requests: AsyncIterable<UploadJobRequest>): Promise<UploadJobResponse> {
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
    this.active.add(id);
    let keep = false;
    try {
      let bytes = 0;
      const handle = await open(file, 'wx');
      try {
        for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
          if (next.value.kind.case !== 'chunk') throw new InvalidArgumentError('chunk', 'every UploadJob message after the first must be a chunk');
          const chunk = next.value.kind.value;
          // Awaited one at a time: the stream's flow control holds the sender back meanwhile.
          await handle.write(chunk, 0, chunk.byteLength);
          bytes += chunk.byteLength;
        }
      } finally {
        await handle.close();
      }
      if (bytes === 0 && spec.inputs.length === 0) throw new InvalidArgumentError('spec.inputs', 'must contain at least one input when the upload carries no bytes');
      const full = clone(JobSpecSchema, spec);
      if (bytes > 0) full.inputs.push(create(InputSchema, { source: { case: 'file', value: { path: file } } }));
      const { job, deduplicated } = await this.deps.jobs.submit(full);
      keep = bytes > 0 && !deduplicated;
      if (keep) await writeFile(path.join(this.dir, `${id}.job`), job.id);
      this.deps.log.info({ jobId: job.id, bytes, deduplicated }, 'upload received');
      return create(UploadJobResponseSchema, { jobId: job.id, bytesReceived: BigInt(bytes), deduplicated });
    } finally {
      this.active.delete(id);
      if (!keep) await rm(file, { force: true });
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
