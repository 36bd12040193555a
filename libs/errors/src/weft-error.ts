/** Every kind of domain error Weft raises. `libs/rpc` maps each to one Connect code. */
export type ErrorKind =
  | 'invalid-argument'
  | 'function-not-found'
  | 'job-not-found'
  | 'failed-precondition'
  | 'partition-unavailable'
  | 'worker-crashed'
  | 'user-code-failed'
  | 'deadline-exceeded'
  | 'cancelled'
  | 'resource-exhausted'
  | 'unavailable'
  | 'config-invalid'
  | 'internal';

const marker = Symbol.for('weft.error');

/**
 * Base of Weft's domain errors. Check errors with the `isX` guards (they test `kind`), not with
 * `instanceof`: errors cross worker threads and duplicate package copies, where classes are lost.
 */
export abstract class WeftError extends Error {
  /** Stable machine-readable kind; clients and the error table branch on it. */
  abstract readonly kind: ErrorKind;
  readonly [marker] = true;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** True for any Weft domain error, even one from another copy of this package. */
export function isWeftError(value: unknown): value is WeftError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[marker] === true;
}
