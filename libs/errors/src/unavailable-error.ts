import { WeftError } from './weft-error.js';

/** A node or dependency cannot be reached right now; safe to retry (UNAVAILABLE). */
export class UnavailableError extends WeftError {
  readonly kind = 'unavailable' as const;
}

/** True when `value` is a {@link UnavailableError} (checked by kind, so it works across threads and copies). */
export function isUnavailableError(value: unknown): value is UnavailableError {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'unavailable';
}
