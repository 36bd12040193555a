import type { Client } from '@connectrpc/connect';
import { Code, ConnectError } from '@connectrpc/connect';
import type { GetJobTraceResponse, Job, ReadResultsResponse, WatchJobResponse } from '@weft/proto';
import type { JobService } from '@weft/proto';
import { JobState, ResultFormat, ResultOrder } from '@weft/proto';
import { decodeDelimitedRecords } from './delimited-records.js';
import { flattenBatches } from './flatten-batches.js';
import { JobFailedError } from './job-failed-error.js';
import { decodeResultValue } from './result-value.js';
import type { ResultRecord } from './result-value.js';
import { isConnectionFailure, retryUnavailable } from './retry-unavailable.js';
import type { RetryOptions } from './retry-unavailable.js';

/** Options every call of a handle accepts. */
export interface CallOptionsInit {
  /** Aborts the call (and, for streams, ends the iteration with a Canceled error). */
  readonly signal?: AbortSignal;
  /** The call's deadline in milliseconds, sent as `grpc-timeout` so the server stops too (DeadlineExceeded). Honoured by `scatter`. */
  readonly timeoutMs?: number;
}

/** What `JobHandle.results` takes. */
export interface ResultsOptions extends CallOptionsInit {
  /** "key": ascending by key (default); "value": descending by integer value, ties by key. */
  readonly order?: 'key' | 'value';
  /** Maximum records; 0 or omitted means all. */
  readonly limit?: number;
  /** Records to skip first. */
  readonly offset?: number;
}

/** A submitted job: read its state, follow it, wait for it, read its output, cancel it. */
export interface JobHandle {
  /** The job's identifier. */
  readonly id: string;
  /** The job's current state (GetJob; retried on UNAVAILABLE). Throws NOT_FOUND for an unknown id. */
  get(options?: CallOptionsInit): Promise<Job>;
  /** The job's events (WatchJob): a snapshot first, then events in order until the job ends. */
  watch(options?: CallOptionsInit): AsyncIterable<WatchJobResponse>;
  /**
   * Resolves with the final job once it SUCCEEDED; throws `JobFailedError` when it ends FAILED or
   * CANCELLED. Survives a dropped watch stream by watching again.
   */
  wait(options?: CallOptionsInit): Promise<Job>;
  /** The job's output records (ReadResults), decoded; the job must have succeeded. */
  results(options?: ResultsOptions): AsyncIterable<ResultRecord>;
  /** Cancels the job (a no-op for an ended job) and returns it as the cancellation left it. */
  cancel(options?: CallOptionsInit): Promise<Job>;
  /**
   * The spans the coordinator recorded in the job's trace, running and ended, ordered by start
   * (GetJobTrace; retried on UNAVAILABLE): what a waterfall draws. No spans when the job's trace
   * is no longer kept.
   */
  trace(options?: CallOptionsInit): Promise<GetJobTraceResponse>;
}

/** @internal What a handle needs from the client that made it. */
export interface JobCallContext {
  readonly jobs: Client<typeof JobService>;
  readonly headers: Readonly<Record<string, string>>;
  readonly retry: RetryOptions;
}

/** True for SUCCEEDED, FAILED and CANCELLED. */
export function isFinalJobState(state: JobState): boolean {
  return state === JobState.SUCCEEDED || state === JobState.FAILED || state === JobState.CANCELLED;
}

/** @internal Creates the handle of job `id`; no call is made until a method is used. */
export function createJobHandle(id: string, ctx: JobCallContext): JobHandle {
  const { jobs, headers } = ctx;

  async function get(options: CallOptionsInit = {}): Promise<Job> {
    const res = await retryUnavailable(
      () => jobs.getJob({ jobId: id }, { headers, signal: options.signal }),
      ctx.retry,
      options.signal,
    );
    if (!res.job) throw new ConnectError(`GetJob for ${id} returned no job`, Code.Internal);
    return res.job;
  }

  function watch(options: CallOptionsInit = {}): AsyncIterable<WatchJobResponse> {
    return jobs.watchJob({ jobId: id }, { headers, signal: options.signal });
  }

  async function wait(options: CallOptionsInit = {}): Promise<Job> {
    let delayMs = ctx.retry.initialDelayMs ?? 100;
    for (;;) {
      try {
        for await (const event of watch(options)) {
          const ev = event.event;
          if (ev.case === 'snapshot' && isFinalJobState(ev.value.state)) return settle(ev.value);
          if (ev.case === 'state' && isFinalJobState(ev.value)) {
            // The final state carries the job as it ended; from an older coordinator it does not, and GetJob answers.
            if (event.job) return settle(event.job);
            break;
          }
        }
      } catch (err) {
        // A gateway restart drops the stream; anything else (NOT_FOUND, the caller's cancel) is the answer.
        if (!isConnectionFailure(err, options.signal)) throw err;
      }
      const job = await get(options);
      if (isFinalJobState(job.state)) return settle(job);
      await delay(delayMs, options.signal);
      delayMs = Math.min(delayMs * 2, 2000);
    }
  }

  function results(options: ResultsOptions = {}): AsyncIterable<ResultRecord> {
    const request = {
      jobId: id,
      order: options.order === 'value' ? ResultOrder.VALUE_DESC : ResultOrder.KEY,
      limit: BigInt(options.limit ?? 0),
      offset: BigInt(options.offset ?? 0),
      // Bytes the coordinator stores, decoded here: no message object per record on any hop.
      format: ResultFormat.DELIMITED,
    };
    return flattenBatches(() => jobs.readResults(request, { headers, signal: options.signal }), recordsOf);
  }

  async function cancel(options: CallOptionsInit = {}): Promise<Job> {
    const res = await jobs.cancelJob({ jobId: id }, { headers, signal: options.signal });
    if (!res.job) throw new ConnectError(`CancelJob for ${id} returned no job`, Code.Internal);
    return res.job;
  }

  function trace(options: CallOptionsInit = {}): Promise<GetJobTraceResponse> {
    return retryUnavailable(() => jobs.getJobTrace({ jobId: id }, { headers, signal: options.signal }), ctx.retry, options.signal);
  }

  return { id, get, watch, wait, results, cancel, trace };
}

/** A ReadResults batch's records, decoded. An older coordinator ignores `format` and sends `records`. */
function recordsOf(batch: ReadResultsResponse): ResultRecord[] {
  const records = batch.delimitedRecords.length > 0 ? decodeDelimitedRecords(batch.delimitedRecords) : [];
  for (const record of batch.records) records.push({ key: record.key, value: decodeResultValue(record.value) });
  return records;
}

function settle(job: Job): Job {
  if (job.state === JobState.SUCCEEDED) return job;
  throw new JobFailedError(job);
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    function onAbort(): void {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
