import { Code, ConnectError, type Job, type JobHandle } from '@weft/client';
import type { Measurement } from '../scenario.js';
import { startPeakRssSampler } from '../measure/peak-rss-sampler.js';

/** One job measured end to end. */
export interface MeasuredJob {
  job: Job;
  /** Every result record, in the order ReadResults gave them. */
  keys: string[];
  values: unknown[];
  /** Submit (or upload) call to the last result record read, in milliseconds. */
  elapsedMs: number;
  /** Submit call to the job's end seen by `wait()`, in milliseconds. */
  jobMs: number;
  /** Reading every result, in milliseconds. */
  readMs: number;
  /** Highest sampled sum of resident memory of the cluster's processes during the job, in bytes. */
  peakRssBytes: number | undefined;
}

/**
 * Runs one job end to end and measures it: starts the clock, `submit()`s (SubmitJob or UploadJob),
 * waits for the job to succeed, reads every result, stops the clock. Memory of `pids()` (the
 * cluster's processes, not the bench's) is sampled the whole time. Results are only collected
 * while timed; callers check them afterwards.
 * @throws JobFailedError when the job fails
 */
export async function measureJob(submit: () => Promise<JobHandle>, pids: () => readonly number[]): Promise<MeasuredJob> {
  const sampler = startPeakRssSampler(pids);
  try {
    const started = performance.now();
    const handle = await submit();
    await handle.wait();
    const waited = performance.now();
    const keys: string[] = [];
    const values: unknown[] = [];
    for await (const record of handle.results()) {
      keys.push(record.key);
      values.push(record.value);
    }
    const ended = performance.now();
    // GetJob after the end carries the final counters and timing.
    const job = await handle.get();
    return { job, keys, values, elapsedMs: ended - started, jobMs: waited - started, readMs: ended - waited, peakRssBytes: sampler.stop() };
  } finally {
    sampler.stop();
  }
}

/**
 * Runs one job end to end, unmeasured, before a scenario's measured runs, as (d) and (f) always
 * did: the measured runs then find the cluster as a long-running one is, its connections open and
 * its worker threads' code compiled and tables grown. Returns the job's own time (submit to last
 * result read), which the report shows as `warmUpMs`, so the cold job stays visible.
 * @throws JobFailedError when the job fails
 */
export async function warmUpJob(submit: () => Promise<JobHandle>): Promise<number> {
  const started = performance.now();
  const handle = await submit();
  await handle.wait();
  for await (const record of handle.results()) void record;
  return performance.now() - started;
}

/** A job counter as a number (0 when absent). */
export function counter(job: Job, name: string): number {
  return Number(job.counters[name] ?? 0n);
}

/**
 * The measurement of a word count (or any job over `bytes` of input) measured by `measureJob`;
 * `warmUpMs` (given with a scenario's first run) is the time of its unmeasured warm-up job.
 */
export function jobMeasurement(measured: MeasuredJob, bytes: number, warmUpMs?: number): Measurement {
  const measurement: Measurement = {
    elapsedMs: measured.elapsedMs,
    bytes,
    metrics: { jobMs: measured.jobMs, readMs: measured.readMs, shuffleMb: counter(measured.job, 'shuffle.bytes') / (1024 * 1024), ...(warmUpMs === undefined ? {} : { warmUpMs }) },
  };
  if (measured.peakRssBytes !== undefined) measurement.peakRssBytes = measured.peakRssBytes;
  return measurement;
}

/** True when a call failed because the cluster does not implement the RPC (a feature not landed). */
export function isUnimplemented(error: unknown): boolean {
  return ConnectError.from(error).code === Code.Unimplemented;
}
