import { WeftError } from './weft-error.js';

/** A bug or an unexpected state; the detail is logged, never sent to callers (INTERNAL). */
export class InternalError extends WeftError {
  readonly kind = 'internal' as const;
}

/** True when `value` is a {@link InternalError} (checked by kind, so it works across threads and copies). */
export function isInternalError(value: unknown): value is InternalError {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'internal';
}
