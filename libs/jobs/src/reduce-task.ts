import { UserCodeError } from '@weft/errors';
import { statSync } from 'node:fs';
import { codecByName, KeyGroupMerge, mergeCursors, ResultFileWriter, ResultWriter, RunFileReader, RunReader, runByteLength, runRecordCount, type Run } from '@weft/records';
import type { JobDefinition, ReduceContext } from './definitions.js';
import { counterInto, messageOf, type TaskCounts } from './task-stats.js';

/**
 * A reduce task's output: result records (`@weft/records` ResultWriter: size-delimited
 * `weft.v1.Record` messages, keys ascending in UTF-8 byte order), exactly the bytes the
 * coordinator stores and ReadResults serves. `bytesOut` is their size.
 */
export interface ReduceTaskOutput extends TaskCounts {
  output: Uint8Array;
}

/**
 * Runs a reduce task: merges the runs (all with the job's `values` codec), calls `job.reduce`
 * once per distinct key, and writes its results as result records, each value by the rules of
 * the job's `results` codec (`int` a safe integer, `bigint` a bigint, `json` any JSON value).
 * @throws UserCodeError `${job} reduce failed: ...` at `key "k"` when reduce throws or returns a
 *   value the `results` codec refuses; RangeError when a buffer is not a run of the `values` codec.
 */
export function runReduceTask(job: JobDefinition, runs: readonly Run[], params: Record<string, unknown>): ReduceTaskOutput {
  const counters: Record<string, number> = {};
  const ctx: ReduceContext = { params, counter: counterInto(counters) };
  let recordsIn = 0;
  let bytesIn = 0;
  for (const run of runs) {
    recordsIn += runRecordCount(run);
    bytesIn += runByteLength(run);
  }
  const results = codecByName(job.results);
  // Sized for the input (up to 16 MiB): growing by doubling copies the records again each time.
  const writer = new ResultWriter(Math.min(1 << 24, 64 + bytesIn));
  // Keys are merged and written as their bytes; each distinct key is decoded once, for reduce.
  const merge = new KeyGroupMerge(runs, codecByName(job.values));
  while (merge.next()) {
    const key = merge.key;
    try {
      writer.addResult(merge.keyBytes, merge.keyStart, merge.keyEnd, job.reduce(key, merge.values, ctx), results);
    } catch (error) {
      throw new UserCodeError(`${job.name} reduce failed: ${messageOf(error)}`, `key ${JSON.stringify(key)}`);
    }
  }
  const output = writer.finish();
  return { output, recordsIn, bytesIn, recordsOut: writer.count, bytesOut: output.length, skippedRecords: 0, userCounters: counters };
}

/** What {@link runReduceFilesTask} returns: the output is in `outputFile`, not in memory. */
export interface ReduceFilesTaskOutput extends TaskCounts {
  /** Largest read window + write buffer the merge held at once, bytes (the task's memory bound). */
  peakBufferBytes: number;
}

/**
 * {@link runReduceTask} with bounded memory: `runs` (held in memory) and `files` (runs stored in
 * files, read through one small window each) are k-way merged as a stream, and the result records
 * are written to `outputFile` as they come (`ResultFileWriter`, one 64 KiB buffer). Same records,
 * same bytes as runReduceTask. The merge yields keys in UTF-16 order; where that differs from
 * UTF-8 byte order (keys with characters at or above U+E000 next to surrogate pairs, rare), the
 * writer sorts the file at the end and holds the whole output twice for that moment.
 * @throws as runReduceTask; fs errors when a file cannot be read or written.
 */
export function runReduceFilesTask(job: JobDefinition, runs: readonly Run[], files: string[], outputFile: string, params: Record<string, unknown>): ReduceFilesTaskOutput {
  const counters: Record<string, number> = {};
  const ctx: ReduceContext = { params, counter: counterInto(counters) };
  const codec = codecByName(job.values);
  const cursors: Array<RunReader<unknown> | RunFileReader<unknown>> = [];
  let recordsIn = 0;
  let bytesIn = 0;
  for (const run of runs) {
    const reader = new RunReader(run, codec);
    cursors.push(reader);
    recordsIn += reader.count;
    bytesIn += runByteLength(run);
  }
  const results = codecByName(job.results);
  const writer = new ResultFileWriter(outputFile);
  const encoder = new TextEncoder();
  let keyBytes = new Uint8Array(256);
  try {
    for (const file of files) {
      const reader = new RunFileReader(file, codec);
      cursors.push(reader);
      recordsIn += reader.count;
      bytesIn += statSync(file).size;
    }
    let peakBufferBytes = 0;
    const held = (): number => cursors.reduce((sum, c) => sum + (c instanceof RunFileReader ? c.bufferBytes : 0), 0) + writer.peakBufferBytes;
    let n = 0;
    for (const [key, values] of mergeCursors(cursors)) {
      if (key.length * 3 > keyBytes.length) keyBytes = new Uint8Array(key.length * 3);
      const { written } = encoder.encodeInto(key, keyBytes);
      try {
        writer.addResult(keyBytes, 0, written, job.reduce(key, values, ctx), results);
      } catch (error) {
        throw new UserCodeError(`${job.name} reduce failed: ${messageOf(error)}`, `key ${JSON.stringify(key)}`);
      }
      if ((n++ & 1023) === 0) peakBufferBytes = Math.max(peakBufferBytes, held());
    }
    peakBufferBytes = Math.max(peakBufferBytes, held());
    const bytesOut = writer.finish();
    return { recordsIn, bytesIn, recordsOut: writer.count, bytesOut, skippedRecords: 0, userCounters: counters, peakBufferBytes };
  } finally {
    writer.abort();
    for (const cursor of cursors) if (cursor instanceof RunFileReader) cursor.close();
  }
}
