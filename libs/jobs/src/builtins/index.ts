import type { FunctionDefinition, JobDefinition } from '../definitions.js';
import { countPrimes } from './count-primes.js';
import { echo } from './echo.js';
import { grep } from './grep.js';
import { httpGet } from './http-get.js';
import { invertedIndex } from './inverted-index.js';
import { sleep } from './sleep.js';
import { sumOfSquares } from './sum-of-squares.js';
import { wordcount } from './wordcount.js';

export { countPrimes, echo, grep, httpGet, invertedIndex, sleep, sumOfSquares, wordcount };

/** Every built-in job and function, as `FunctionRegistry.withBuiltins()` registers them. */
export const builtinDefinitions: ReadonlyArray<JobDefinition | FunctionDefinition> = [
  wordcount, sumOfSquares, grep, invertedIndex, countPrimes, echo, sleep, httpGet,
];
