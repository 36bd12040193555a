import { Code, ConnectError } from '@connectrpc/connect';
import { isWeftError } from '@weft/errors';
import { ExponentialBackoff, handleWhen, isBulkheadRejectedError, isTaskCancelledError, retry, type RetryPolicy } from 'cockatiel';
import { codeForKind } from './to-connect-error.js';

/** Options of {@link createRetryPolicy}. */
export interface RetryPolicyOptions {
  /** Retries after the first attempt (0 disables retrying). */
  readonly retries: number;
  /** First backoff delay, in milliseconds; grows exponentially with decorrelated jitter. */
  readonly initialDelayMs: number;
  /** Largest backoff delay, in milliseconds. */
  readonly maxDelayMs: number;
  /** True when running the call twice is harmless: DEADLINE_EXCEEDED (and timeouts) become retryable too. */
  readonly idempotent: boolean;
}

/** The Connect code of anything a call or policy threw, or undefined for non-RPC errors. */
export function codeOf(error: unknown): Code | undefined {
  if (error instanceof ConnectError) return error.code;
  if (isWeftError(error)) return codeForKind(error.kind);
  if (isBulkheadRejectedError(error)) return Code.ResourceExhausted;
  if (isTaskCancelledError(error)) return Code.DeadlineExceeded;
  if (typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'number' && 'rawMessage' in error) {
    // A ConnectError from another copy of the package (jest sandboxes break instanceof).
    return (error as unknown as { code: Code }).code;
  }
  return undefined;
}

/**
 * True for failures that are safe to retry: UNAVAILABLE and RESOURCE_EXHAUSTED always,
 * DEADLINE_EXCEEDED (including a cockatiel timeout) only for idempotent calls. Never CANCELED, and
 * never a failure of the caller's own code (ABORTED, INVALID_ARGUMENT, ...).
 */
export function isRetryableError(error: unknown, options: { idempotent: boolean }): boolean {
  const code = codeOf(error);
  return code === Code.Unavailable || code === Code.ResourceExhausted || (options.idempotent && code === Code.DeadlineExceeded);
}

/** A cockatiel retry policy with exponential backoff and jitter on retryable codes only. */
export function createRetryPolicy(options: RetryPolicyOptions): RetryPolicy {
  return retry(handleWhen((error) => isRetryableError(error, options)), {
    maxAttempts: options.retries,
    backoff: new ExponentialBackoff({ initialDelay: options.initialDelayMs, maxDelay: options.maxDelayMs }),
  });
}
