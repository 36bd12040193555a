import { WeftError } from './weft-error.js';

/** No function or job with the given name is registered (NOT_FOUND). */
export class FunctionNotFoundError extends WeftError {
  readonly kind = 'function-not-found' as const;
}

/** True when `value` is a {@link FunctionNotFoundError} (checked by kind, so it works across threads and copies). */
export function isFunctionNotFoundError(value: unknown): value is FunctionNotFoundError {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'function-not-found';
}
