import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * An unbounded queue between producers that push one item at a time and one consumer that takes
 * everything ready at once, so a stream carries batches instead of one message per item. The
 * consumer waits one event-loop turn after waking, letting items finished in the same turn join
 * the batch. Producers bound it themselves (a scatter call never has more than max_concurrency
 * attempts in flight).
 */
export class BatchQueue<T> {
  private items: T[] = [];
  private closed = false;
  private failure: { error: unknown } | undefined;
  private wake: (() => void) | undefined;

  /** Adds an item; ignored once the queue is closed. */
  push(item: T): void {
    if (this.closed) return;
    this.items.push(item);
    this.signal();
  }

  /** Ends the queue: the consumer gets what is left, then ends (or throws `error` when given). Idempotent. */
  close(error?: unknown): void {
    if (this.closed) return;
    this.closed = true;
    if (error !== undefined) this.failure = { error };
    this.signal();
  }

  /** Every batch pushed, in order, until the queue is closed. One consumer only. */
  async *batches(): AsyncGenerator<T[]> {
    for (;;) {
      if (this.items.length === 0 && !this.closed) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        await nextTurn();
      }
      if (this.items.length > 0) {
        const batch = this.items;
        this.items = [];
        yield batch;
        continue;
      }
      if (this.failure) throw this.failure.error;
      return;
    }
  }

  private signal(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
