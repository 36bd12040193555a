import type { Scenario } from '../scenario.js';
import { createPrimesBaselines } from './primes-baselines.js';
import { createWordCountBaselines } from './wordcount-baselines.js';

/**
 * The scenarios `npm run bench` runs, in order. Cluster scenarios (issue 7 deliverable 3) are added
 * here; ratios may refer to any entry of the same invocation, e.g. `wordcount/node-threads-2`.
 */
export function defaultScenarios(): Scenario[] {
  return [createWordCountBaselines(), createPrimesBaselines()];
}
