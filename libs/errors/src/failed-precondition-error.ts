import { WeftError } from './weft-error.js';

/** The request is valid but the target is in the wrong state, e.g. reading results of a running job (FAILED_PRECONDITION). */
export class FailedPreconditionError extends WeftError {
  readonly kind = 'failed-precondition' as const;
}

/** True when `value` is a {@link FailedPreconditionError} (checked by kind, so it works across threads and copies). */
export function isFailedPreconditionError(value: unknown): value is FailedPreconditionError {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'failed-precondition';
}
