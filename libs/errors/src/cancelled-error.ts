import { WeftError } from './weft-error.js';

/** Work was cancelled by its caller or because its job ended (CANCELED). */
export class CancelledError extends WeftError {
  readonly kind = 'cancelled' as const;
}

/** True when `value` is a {@link CancelledError} (checked by kind, so it works across threads and copies). */
export function isCancelledError(value: unknown): value is CancelledError {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'cancelled';
}
