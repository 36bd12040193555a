import { WeftError } from './weft-error.js';

/** A worker thread died or was replaced while running a task (UNAVAILABLE; the task is retried). */
export class WorkerCrashedError extends WeftError {
  readonly kind = 'worker-crashed' as const;
}

/** True when `value` is a {@link WorkerCrashedError} (checked by kind, so it works across threads and copies). */
export function isWorkerCrashedError(value: unknown): value is WorkerCrashedError {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'worker-crashed';
}
