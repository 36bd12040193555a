import { Worker } from 'node:worker_threads';
import { countPrimesBelow } from '@weft/jobs';

// The baseline runs the very function the `count-primes` scatter function runs (the seed's trial
// division), so scenario (e) compares scheduling, not two implementations.
export { countPrimesBelow };

/** Baseline: every task one after the other on the main thread. Returns the counts in input order. */
export function countPrimesSequential(inputs: readonly number[]): number[] {
  return inputs.map(countPrimesBelow);
}

const WORKER_URL = new URL(`./primes-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);

/**
 * Baseline: the same tasks on `threads` worker threads, each worker taking the next task as soon as
 * it finishes one (so uneven tasks still balance). Returns the counts in input order.
 *
 * @param threads number of worker threads; default 2
 * @throws RangeError when threads is not a positive integer
 */
export async function countPrimesThreaded(inputs: readonly number[], threads = 2): Promise<number[]> {
  if (!Number.isInteger(threads) || threads < 1) {
    throw new RangeError(`threads must be a positive integer, got ${threads}`);
  }
  const results = new Array<number>(inputs.length);
  let next = 0;
  const runWorker = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const worker = new Worker(WORKER_URL);
      let current = -1;
      const dispatch = (): void => {
        if (next >= inputs.length) {
          void worker.terminate().then(() => resolve(), reject);
          return;
        }
        current = next++;
        worker.postMessage(inputs[current]);
      };
      worker.on('message', (count: number) => {
        results[current] = count;
        dispatch();
      });
      worker.once('error', reject);
      dispatch();
    });
  await Promise.all(Array.from({ length: Math.min(threads, Math.max(inputs.length, 1)) }, runWorker));
  return results;
}
