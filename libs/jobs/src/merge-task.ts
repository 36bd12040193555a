import { UserCodeError } from '@weft/errors';
import { codecByName, KeyGroupMerge, RawRunWriter, runByteLength, runRecordCount, type Run } from '@weft/records';
import type { JobDefinition } from './definitions.js';
import { messageOf } from './task-stats.js';

/** What an intermediate merge returns: one run of the job's `values` codec. */
export interface MergeTaskOutput {
  output: Uint8Array;
  recordsIn: number;
  bytesIn: number;
}

/**
 * Merges sorted runs of a job's map output into one sorted run of the same codec, so a reducer can
 * let go of the inputs before the final reduce (the external merge's intermediate pass). Values of
 * a key are folded with the job's `combine` when it has one (so the run shrinks to one record per
 * key), else kept as repeated records.
 * @throws UserCodeError when combine throws; RangeError when a buffer is not a run of that codec.
 */
export function runMergeTask(job: JobDefinition, runs: readonly Run[]): MergeTaskOutput {
  let recordsIn = 0;
  let bytesIn = 0;
  for (const run of runs) {
    recordsIn += runRecordCount(run);
    bytesIn += runByteLength(run);
  }
  const codec = codecByName(job.values);
  const writer = new RawRunWriter(codec, Math.min(1 << 20, 64 + bytesIn));
  // Byte-level: keys are compared and copied as UTF-8, never decoded (but to name one in an error).
  const merge = new KeyGroupMerge(runs, codec);
  while (merge.next()) {
    const values = merge.values;
    if (!job.combine) {
      for (const value of values) writer.add(merge.keyBytes, merge.keyStart, merge.keyEnd, value);
      continue;
    }
    let folded = values[0];
    try {
      for (let i = 1; i < values.length; i++) folded = job.combine(folded, values[i]);
    } catch (error) {
      throw new UserCodeError(`${job.name} combine failed: ${messageOf(error)}`, `key ${JSON.stringify(merge.key)}`);
    }
    writer.add(merge.keyBytes, merge.keyStart, merge.keyEnd, folded);
  }
  return { output: writer.finish(), recordsIn, bytesIn };
}
