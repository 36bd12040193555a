import { InvalidArgumentError } from '@weft/errors';
import { defineFunction } from '../definitions.js';

/**
 * Scatter function (io): input milliseconds; resolves with that number after that long, or
 * rejects with the signal's reason as soon as it is aborted.
 */
export const sleep = defineFunction<number, number>({
  name: 'sleep',
  description: 'Waits for the given number of milliseconds, then returns it. Input: ms.',
  params: {},
  executor: 'io',
  idempotent: true,
  run(input, { signal }) {
    if (typeof input !== 'number' || !Number.isFinite(input) || input < 0) {
      throw new InvalidArgumentError('input', `must be a non-negative number of milliseconds, got ${JSON.stringify(input) ?? String(input)}`);
    }
    return new Promise<number>((resolve, reject) => {
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(signal.reason);
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve(input);
      }, input);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  },
});
