/**
 * The items of a stream of batches, one at a time: `items(batch)` turns each batch into an array,
 * and `next()` hands out buffered items as already-resolved promises. An async generator doing
 * the same (`for (const item of items(batch)) yield item`) costs about twice as much per item, which
 * shows when a job's results are hundreds of thousands of records. `source` is opened when iteration
 * starts; ending the iteration early (`break`, `return()`) closes it, and its errors reach `next()`.
 * @internal
 */
export function flattenBatches<B, T>(source: () => AsyncIterable<B>, items: (batch: B) => readonly T[]): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<T> {
      let batches: AsyncIterator<B> | undefined;
      let buffer: readonly T[] = [];
      let index = 0;
      let done = false;
      const refill = async (): Promise<IteratorResult<T>> => {
        batches ??= source()[Symbol.asyncIterator]();
        while (index >= buffer.length) {
          if (done) return { done: true, value: undefined };
          const next = await batches.next();
          if (next.done) {
            done = true;
            return { done: true, value: undefined };
          }
          try {
            buffer = items(next.value);
          } catch (error) {
            // As a generator's for-await would: a failure while handling a batch closes the source.
            done = true;
            await batches.return?.();
            throw error;
          }
          index = 0;
        }
        return { done: false, value: buffer[index++]! };
      };
      return {
        next: () => (index < buffer.length ? Promise.resolve({ done: false, value: buffer[index++]! }) : refill()),
        async return(): Promise<IteratorResult<T>> {
          buffer = [];
          if (!done) {
            done = true;
            await batches?.return?.();
          }
          return { done: true, value: undefined };
        },
      };
    },
  };
}
