import { randomBytes } from 'node:crypto';
import { create, type JsonObject } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { JobNotFoundError } from '@weft/errors';
import type { FunctionRegistry } from '@weft/jobs';
import { JobSchema, JobState, type Job, type JobSpec } from '@weft/proto';
import type { Logger } from '@weft/telemetry';
import { JobRunner, type RunnerDeps } from './job-runner.js';
import type { StoredJob } from './job-store.js';
import { JobTraces } from './job-tracing.js';
import type { InputPolicy } from './input-policy.js';
import { jobParams, validateJobSpec } from './validate-job-spec.js';
import { phasesFromCounters } from './phase-counts.js';
import type { MapInputFeed } from './upload-feed.js';

/**
 * Owns every job's life: validates and journals submissions, runs at most `maxRunningJobs` at a
 * time (the rest wait QUEUED, in order), answers queries from the runner while a job runs and
 * from the journal after, and re-runs unfinished jobs after a restart.
 */
export class JobManager {
  private readonly runners = new Map<string, JobRunner>();
  private readonly queue: JobRunner[] = [];
  private running = 0;
  private seq: number;
  private readonly finished = new Set<Promise<void>>();
  /** Each started runner's end, by job id, until it ended. */
  private readonly ended = new Map<string, Promise<void>>();
  private readonly traces = new JobTraces();

  constructor(
    private readonly deps: RunnerDeps & { functions: FunctionRegistry; maxRunningJobs: number; log: Logger; inputPolicy?: InputPolicy },
  ) {
    this.seq = deps.store.maxSeq();
  }

  /**
   * Validates, journals and queues a job; returns it (or the earlier one with the same idempotency
   * key). With `feed`, the spec input it names is mapped as its ranges arrive (an upload still streaming).
   */
  async submit(spec: JobSpec, options: { feed?: MapInputFeed } = {}): Promise<{ job: StoredJob; deduplicated: boolean }> {
    if (spec.idempotencyKey) {
      const earlier = this.deps.store.getByIdempotencyKey(spec.idempotencyKey);
      if (earlier) return { job: earlier, deduplicated: true };
    }
    const { params } = await validateJobSpec(spec, this.deps.functions, this.deps.inputPolicy);
    // Check again: another submission with the same key may have been journaled while we validated.
    if (spec.idempotencyKey) {
      const earlier = this.deps.store.getByIdempotencyKey(spec.idempotencyKey);
      if (earlier) return { job: earlier, deduplicated: true };
    }
    const job: StoredJob = {
      id: `job-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`,
      seq: ++this.seq,
      spec,
      state: JobState.QUEUED,
      createdMs: Date.now(),
      startedMs: 0,
      finishedMs: 0,
      error: '',
      counters: {},
      resultCount: 0,
      traceId: '',
    };
    this.traces.begin(job, false);
    this.deps.store.insert(job);
    this.deps.log.info({ jobId: job.id, function: spec.function, inputs: spec.inputs.length }, 'job accepted');
    this.enqueue(job, params, options.feed);
    return { job, deduplicated: false };
  }

  /** Re-queues every job the journal holds as unfinished (after a restart). */
  recover(): number {
    const jobs = this.deps.store.unfinished();
    for (const job of jobs) {
      const definition = this.deps.functions.getJob(job.spec.function);
      const params = jobParams(definition, job.spec.params);
      job.state = JobState.QUEUED;
      this.traces.begin(job, true);
      this.enqueue(job, params);
    }
    return jobs.length;
  }

  /** The job's current state. Throws JobNotFoundError. */
  get(id: string): Job {
    const runner = this.runners.get(id);
    if (runner) return this.toProto(runner.job, runner);
    const stored = this.deps.store.get(id);
    if (!stored) throw new JobNotFoundError(`job ${id} does not exist`);
    return this.toProto(stored);
  }

  /** The live runner of a job, if it is queued or running in this process. */
  runner(id: string): JobRunner | undefined {
    return this.runners.get(id);
  }

  /**
   * Cancels a job and waits (at most `waitMs`) until its runner has stopped every attempt, so the
   * answer shows CANCELLED; ended jobs are left as they are. Throws JobNotFoundError.
   */
  async cancel(id: string, waitMs = 5_000): Promise<Job> {
    const runner = this.runners.get(id);
    if (runner) {
      const queued = this.queue.indexOf(runner);
      if (queued >= 0) this.queue.splice(queued, 1);
      runner.cancel();
      if (queued >= 0) void this.start(runner);
      const ended = this.ended.get(id);
      if (ended) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([ended, new Promise((resolve) => (timer = setTimeout(resolve, waitMs)))]);
        clearTimeout(timer);
      }
    }
    return this.get(id);
  }

  /** Jobs newest first. */
  list(options: { state?: JobState; beforeSeq?: number; limit: number }): { jobs: Job[]; lastSeq: number | undefined } {
    const stored = this.deps.store.list(options);
    return { jobs: stored.map((job) => this.get(job.id)), lastSeq: stored.at(-1)?.seq };
  }

  /** Cancels every running job and waits for the runners to end (shutdown). */
  async close(): Promise<void> {
    this.queue.length = 0;
    for (const runner of this.runners.values()) runner.cancel();
    await Promise.allSettled([...this.finished]);
  }

  private enqueue(job: StoredJob, params: Record<string, unknown>, feed?: MapInputFeed): void {
    const runner = new JobRunner(job, this.deps.functions.getJob(job.spec.function), params, this.deps, feed);
    runner.events.append({ case: 'state', value: JobState.QUEUED }, runner.progress());
    this.runners.set(job.id, runner);
    this.queue.push(runner);
    this.pump();
  }

  private pump(): void {
    while (this.running < this.deps.maxRunningJobs && this.queue.length > 0) {
      void this.start(this.queue.shift()!);
    }
  }

  private async start(runner: JobRunner): Promise<void> {
    this.running += 1;
    const done = this.traces.run(runner.job.id, () => runner.run(), runner.events).finally(() => this.traces.end(runner.job));
    this.finished.add(done);
    this.ended.set(runner.job.id, done);
    await done;
    this.finished.delete(done);
    this.ended.delete(runner.job.id);
    this.running -= 1;
    // Keep the finished runner briefly so late watchers still get its events, then serve from the journal.
    setTimeout(() => this.runners.delete(runner.job.id), 60_000).unref();
    this.pump();
  }

  private toProto(job: StoredJob, runner?: JobRunner): Job {
    const phases = runner ? runner.progress() : phasesFromCounters(job.counters);
    const counters = runner && job.finishedMs === 0 ? runner.counters : job.counters;
    return create(JobSchema, {
      id: job.id,
      function: job.spec.function,
      params: job.spec.params as JsonObject | undefined,
      reducers: job.spec.reducers ?? 1,
      state: job.state,
      phases,
      counters: Object.fromEntries(Object.entries(counters).map(([k, v]) => [k, BigInt(v)])),
      createdAt: timestampFromMs(job.createdMs),
      startedAt: job.startedMs ? timestampFromMs(job.startedMs) : undefined,
      finishedAt: job.finishedMs ? timestampFromMs(job.finishedMs) : undefined,
      error: job.error,
      traceId: job.traceId,
      idempotencyKey: job.spec.idempotencyKey,
      inputCount: job.spec.inputs.length,
      labels: job.spec.labels,
      resultCount: BigInt(job.resultCount),
    });
  }
}
