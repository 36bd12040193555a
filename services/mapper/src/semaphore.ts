import { CancelledError } from '@weft/errors';

/**
 * A counting semaphore: at most `limit` callers run at once, the rest wait in arrival order. The
 * mapper's bulkhead for `io` scatter functions, which run on the event loop, not on threads.
 */
export class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  /** @throws RangeError when `limit` is not a positive integer. */
  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${String(limit)}`);
  }

  /** Calls running now. */
  get running(): number {
    return this.active;
  }

  /**
   * Runs `fn` once a permit is free and releases it when `fn` settles.
   * @throws CancelledError when `signal` aborts while waiting for a permit.
   */
  async run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.acquire(signal);
    try {
      return await fn();
    } finally {
      this.active -= 1;
      this.waiting.shift()?.();
    }
  }

  private acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(new CancelledError('cancelled while waiting for an io slot'));
    if (this.active < this.limit) {
      this.active += 1;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const grant = (): void => {
        signal?.removeEventListener('abort', onAbort);
        this.active += 1;
        resolve();
      };
      const onAbort = (): void => {
        const index = this.waiting.indexOf(grant);
        if (index >= 0) this.waiting.splice(index, 1);
        reject(new CancelledError('cancelled while waiting for an io slot'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(grant);
    });
  }
}
