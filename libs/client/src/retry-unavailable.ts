import { Code, ConnectError } from '@connectrpc/connect';

/** How idempotent calls are retried when the gateway is UNAVAILABLE. */
export interface RetryOptions {
  /** Attempts in total, including the first. Default 4; 1 disables retries. */
  readonly maxAttempts?: number;
  /** Delay before the second attempt, in milliseconds; doubles each time. Default 100. */
  readonly initialDelayMs?: number;
}

const defaults = { maxAttempts: 4, initialDelayMs: 100 } as const;

/**
 * Runs `call`, retrying with exponential backoff while it fails with `Code.Unavailable`. Only
 * idempotent calls may go through here: a SubmitJob that timed out after the coordinator
 * journaled it would otherwise run twice. Stops early (rethrowing) when `signal` aborts.
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
      const retryable = ConnectError.from(err).code === Code.Unavailable;
      if (!retryable || attempt >= maxAttempts || signal?.aborted) throw err;
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
