// Worker thread of the primes baseline: answers each posted n with the count of primes below it.
import { parentPort } from 'node:worker_threads';
import { countPrimesBelow } from './primes.ts';

parentPort!.on('message', (n: number) => parentPort!.postMessage(countPrimesBelow(n)));
