import { Code, ConnectError } from '@connectrpc/connect';

/** How idempotent calls are retried when the gateway cannot be reached. */
export interface RetryOptions {
  /** Attempts in total, including the first. Default 4; 1 disables retries. */
  readonly maxAttempts?: number;
  /** Delay before the second attempt, in milliseconds; doubles each time. Default 100. */
  readonly initialDelayMs?: number;
}

const defaults = { maxAttempts: 4, initialDelayMs: 100 } as const;

// What the Node and fetch transports report when the connection itself went away mid-call (a
// gateway restarting): the code varies (ABORTED, CANCELED, INTERNAL, UNKNOWN), the cause does not.
const connectionLost = /ECONNRESET|EPIPE|ECONNREFUSED|socket hang up|other side closed|stream closed|GOAWAY|NGHTTP2_REFUSED_STREAM|Failed to fetch|network error/i;

/**
 * True when `err` says the gateway could not be reached or the connection dropped mid-call:
 * UNAVAILABLE, or a transport error about the connection (never a status the server chose, and
 * never the caller's own cancellation, which the caller's signal tells apart).
 */
export function isConnectionFailure(err: unknown, signal?: AbortSignal): boolean {
  if (signal?.aborted) return false;
  const e = ConnectError.from(err);
  if (e.code === Code.Unavailable) return true;
  return [Code.Aborted, Code.Canceled, Code.Internal, Code.Unknown].includes(e.code) && connectionLost.test(e.rawMessage);
}

/**
 * Runs `call`, retrying with exponential backoff while the gateway cannot be reached
 * ({@link isConnectionFailure}). Only idempotent calls may go through here: a SubmitJob without
 * an idempotency key that failed after the coordinator journaled it would otherwise run twice.
 * Stops early (rethrowing) when `signal` aborts.
 */
export async function retryUnavailable<T>(
  call: () => Promise<T>,
  options: RetryOptions = {},
  signal?: AbortSignal,
): Promise<T> {
  const maxAttempts = options.maxAttempts ?? defaults.maxAttempts;
  let delay = options.initialDelayMs ?? defaults.initialDelayMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (!isConnectionFailure(err, signal) || attempt >= maxAttempts) throw err;
    }
    await sleep(delay, signal);
    delay *= 2;
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
