import type { Job } from '@weft/proto';
import { JobState } from '@weft/proto';

/**
 * Thrown by `JobHandle.wait()` when a job ends FAILED or CANCELLED. Carries the final job so a
 * caller can show its counters and error. Check it with `isJobFailedError`, not `instanceof`: a
 * second copy of this package (or a worker thread) would break class identity.
 */
export class JobFailedError extends Error {
  /** Marker for `isJobFailedError`. */
  readonly kind = 'job-failed' as const;
  /** The job in its final state (FAILED or CANCELLED). */
  readonly job: Job;

  constructor(job: Job) {
    const how = job.state === JobState.CANCELLED ? 'was cancelled' : 'failed';
    super(job.error ? `job ${job.id} ${how}: ${job.error}` : `job ${job.id} ${how}`);
    this.name = 'JobFailedError';
    this.job = job;
  }
}

/** True when `err` is a `JobFailedError` (by its `kind` marker). */
export function isJobFailedError(err: unknown): err is JobFailedError {
  return typeof err === 'object' && err !== null && (err as { kind?: unknown }).kind === 'job-failed';
}
