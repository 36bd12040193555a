import { WeftError } from './weft-error.js';

/** A limit was reached: admission bulkhead full, input too large (RESOURCE_EXHAUSTED). */
export class ResourceExhaustedError extends WeftError {
  readonly kind = 'resource-exhausted' as const;
}

/** True when `value` is a {@link ResourceExhaustedError} (checked by kind, so it works across threads and copies). */
export function isResourceExhaustedError(value: unknown): value is ResourceExhaustedError {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'resource-exhausted';
}
