import { WeftError } from './weft-error.js';

/**
 * A job's own map, combine or reduce code threw. `location` says where in the input, e.g.
 * `/data/a.txt line 1042` or `inline input 0 line 7`, so users can find the bad record.
 */
export class UserCodeError extends WeftError {
  readonly kind = 'user-code-failed' as const;

  constructor(
    message: string,
    readonly location: string,
  ) {
    super(location ? `${message} (at ${location})` : message);
  }
}

/** True when `value` is a {@link UserCodeError}. */
export function isUserCodeError(value: unknown): value is UserCodeError {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'user-code-failed';
}
