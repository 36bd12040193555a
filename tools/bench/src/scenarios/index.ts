import type { Scenario } from '../scenario.js';
import { createClusterScaling } from './cluster-scaling.js';
import { createClusterUpload } from './cluster-upload.js';
import { createClusterWordCount } from './cluster-wordcount.js';
import { createPrimesBaselines } from './primes-baselines.js';
import { createScatterEcho } from './scatter-echo.js';
import { createScatterPrimes } from './scatter-primes.js';
import { createShuffleThroughput } from './shuffle-throughput.js';
import { createTinyJob } from './tiny-job.js';
import { createTracingOverhead } from './tracing-overhead.js';
import { createWordCountBaselines } from './wordcount-baselines.js';

/**
 * The scenarios `npm run bench` runs, in order: the baselines first, then issue 7's cluster
 * scenarios (a)-(h), each on its own real local cluster. Ratios may refer to any entry of the same
 * invocation, e.g. `wordcount/node-threads-2`.
 */
export function defaultScenarios(): Scenario[] {
  return [
    createWordCountBaselines(),
    createPrimesBaselines(),
    createClusterWordCount(),
    createClusterUpload(),
    createClusterScaling(),
    createScatterEcho(),
    createScatterPrimes(),
    createTinyJob(),
    createShuffleThroughput(),
    createTracingOverhead(),
  ];
}
