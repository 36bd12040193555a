import { WeftError } from './weft-error.js';

/** Work did not finish within its deadline or timeout (DEADLINE_EXCEEDED). */
export class DeadlineExceededError extends WeftError {
  readonly kind = 'deadline-exceeded' as const;
}

/** True when `value` is a {@link DeadlineExceededError} (checked by kind, so it works across threads and copies). */
export function isDeadlineExceededError(value: unknown): value is DeadlineExceededError {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'deadline-exceeded';
}
