import { WeftError } from './weft-error.js';

/** A map output partition a reducer needs is gone or unreachable (UNAVAILABLE; the coordinator recomputes it). */
export class PartitionUnavailableError extends WeftError {
  readonly kind = 'partition-unavailable' as const;
}

/** True when `value` is a {@link PartitionUnavailableError} (checked by kind, so it works across threads and copies). */
export function isPartitionUnavailableError(value: unknown): value is PartitionUnavailableError {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'partition-unavailable';
}
