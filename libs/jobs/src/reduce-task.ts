import { UserCodeError } from '@weft/errors';
import { codecByName, mergeRuns, RunWriter, runRecordCount } from '@weft/records';
import type { JobDefinition, ReduceContext } from './definitions.js';
import { counterInto, messageOf, type TaskCounts } from './task-stats.js';

/** A reduce task's output: one run sorted by key, encoded with the job's `results` codec. */
export interface ReduceTaskOutput extends TaskCounts {
  output: Uint8Array;
}

/**
 * Runs a reduce task: merges the runs (all with the job's `values` codec), calls `job.reduce`
 * once per distinct key, and writes one run of results.
 * @throws UserCodeError `${job} reduce failed: ...` at `key "k"` when reduce throws or returns a
 *   value the `results` codec cannot encode; RangeError when a buffer is not a run of that codec.
 */
export function runReduceTask(job: JobDefinition, runs: Uint8Array[], params: Record<string, unknown>): ReduceTaskOutput {
  const counters: Record<string, number> = {};
  const ctx: ReduceContext = { params, counter: counterInto(counters) };
  let recordsIn = 0;
  let bytesIn = 0;
  for (const run of runs) {
    recordsIn += runRecordCount(run);
    bytesIn += run.byteLength;
  }
  const writer = new RunWriter(codecByName(job.results), Math.min(1 << 20, 64 + bytesIn));
  for (const [key, values] of mergeRuns(runs, codecByName(job.values))) {
    try {
      writer.add(key, job.reduce(key, values, ctx));
    } catch (error) {
      throw new UserCodeError(`${job.name} reduce failed: ${messageOf(error)}`, `key ${JSON.stringify(key)}`);
    }
  }
  const output = writer.finish();
  return { output, recordsIn, bytesIn, recordsOut: writer.count, bytesOut: output.length, skippedRecords: 0, userCounters: counters };
}
