import { InvalidArgumentError } from '@weft/errors';
import { defineFunction } from '../definitions.js';

/** Counts primes below `n` by trial division up to sqrt (deliberately CPU-bound, as in the seed). */
export function countPrimesBelow(n: number): number {
  let count = 0;
  for (let k = 2; k < n; k++) {
    let prime = true;
    for (let d = 2; d * d <= k; d++) {
      if (k % d === 0) {
        prime = false;
        break;
      }
    }
    if (prime) count++;
  }
  return count;
}

/** Scatter function (cpu): input a non-negative integer n, output the count of primes < n. */
export const countPrimes = defineFunction<number, number>({
  name: 'count-primes',
  description: 'Counts the primes below n by trial division (CPU-bound). Input: integer n.',
  params: {},
  executor: 'cpu',
  idempotent: true,
  run(input) {
    if (typeof input !== 'number' || !Number.isSafeInteger(input) || input < 0) {
      throw new InvalidArgumentError('input', `must be a non-negative integer, got ${JSON.stringify(input) ?? String(input)}`);
    }
    return countPrimesBelow(input);
  },
});
