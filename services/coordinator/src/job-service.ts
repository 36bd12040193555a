import { create } from '@bufbuild/protobuf';
import { timestampNow } from '@bufbuild/protobuf/wkt';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { ServiceImpl } from '@connectrpc/connect';
import { FailedPreconditionError, InvalidArgumentError } from '@weft/errors';
import type { JobService} from '@weft/proto';
import { JobState, ResultFormat, WatchJobResponseSchema, type ReadResultsResponse, type WatchJobResponse } from '@weft/proto';
import { decodeRecords } from './delimited-record.js';
import type { RecentTraces } from '@weft/telemetry';
import type { JobManager } from './job-manager.js';
import { isEndedState, type JobStore } from './job-store.js';
import { jobTraceResponse } from './job-trace.js';

const maxPageSize = 1000;
/** Records per ReadResults message in the RECORDS format (as many as before DELIMITED existed). */
const recordsPerMessage = 2_000;

function requireJobId(jobId: string): string {
  if (!jobId) throw new InvalidArgumentError('job_id', 'must not be empty');
  return jobId;
}

/**
 * weft.v1.JobService on the coordinator. The gateway validates callers and relays to it; the
 * coordinator is the authority on jobs, so all semantic validation happens here. `traces` keeps
 * the spans of recent jobs for GetJobTrace (none kept without it).
 */
export function createJobService(jobs: JobManager, store: JobStore, traces?: RecentTraces): Partial<ServiceImpl<typeof JobService>> {
  return {
    async submitJob(request) {
      if (!request.spec) throw new InvalidArgumentError('spec', 'is required');
      const { job, deduplicated } = await jobs.submit(request.spec);
      return { jobId: job.id, deduplicated };
    },

    getJob(request) {
      return { job: jobs.get(requireJobId(request.jobId)) };
    },

    getJobTrace(request) {
      const job = jobs.get(requireJobId(request.jobId));
      return jobTraceResponse(traces?.trace(job.id));
    },

    async *watchJob(request, ctx): AsyncGenerator<WatchJobResponse> {
      const snapshot = jobs.get(requireJobId(request.jobId));
      const runner = jobs.runner(request.jobId);
      const after = runner?.events.lastSequence ?? 0;
      yield create(WatchJobResponseSchema, { sequence: BigInt(after), time: timestampNow(), event: { case: 'snapshot', value: snapshot }, phases: snapshot.phases });
      let ended = false;
      if (runner) {
        for await (const event of runner.events.follow(after, ctx.signal)) {
          ended = event.event.case === 'state' && isEndedState(event.event.value);
          // The final state goes out with the job as it ended (the log's own message stays as it is).
          yield ended ? { ...event, job: jobs.get(request.jobId) } : event;
        }
      }
      // A job that had ended before this watch began (its snapshot already final): the stream still
      // ends with the final state and the job, as every WatchJob stream does.
      if (!ended && isEndedState(snapshot.state)) {
        yield create(WatchJobResponseSchema, { sequence: BigInt(after + 1), time: timestampNow(), event: { case: 'state', value: snapshot.state }, phases: snapshot.phases, job: snapshot });
      }
    },

    async *readResults(request): AsyncGenerator<ReadResultsResponse> {
      const job = jobs.get(requireJobId(request.jobId));
      if (job.state !== JobState.SUCCEEDED) {
        throw new FailedPreconditionError(`job ${job.id} is ${JobState[job.state]}; results can be read once it has SUCCEEDED`);
      }
      if (!(request.format in ResultFormat)) throw new InvalidArgumentError('format', `is ${request.format}; expected RESULT_FORMAT_RECORDS or RESULT_FORMAT_DELIMITED`);
      const delimited = request.format === ResultFormat.DELIMITED;
      for (const batch of store.readResults(job.id, request.order, Number(request.limit), Number(request.offset))) {
        if (delimited) {
          yield { $typeName: 'weft.v1.ReadResultsResponse', records: [], delimitedRecords: batch.data, recordCount: batch.records };
        } else {
          const records = decodeRecords(batch.data);
          for (let i = 0; i < records.length; i += recordsPerMessage) {
            yield { $typeName: 'weft.v1.ReadResultsResponse', records: records.slice(i, i + recordsPerMessage), delimitedRecords: new Uint8Array(0), recordCount: 0 };
          }
        }
        // Connect pulls the next message as soon as a write is queued, all in microtasks: without a
        // turn of the event loop here the whole merge ran before the first byte left, so the
        // caller's decode could not overlap it (a 256 MB word count's first batch came after
        // 45-97 ms instead of 20-37).
        await nextTurn();
      }
    },

    async cancelJob(request) {
      return { job: await jobs.cancel(requireJobId(request.jobId)) };
    },

    listJobs(request) {
      const limit = request.pageSize === 0 ? 50 : Math.min(request.pageSize, maxPageSize);
      let beforeSeq: number | undefined;
      if (request.pageToken) {
        beforeSeq = Number(request.pageToken);
        if (!Number.isSafeInteger(beforeSeq) || beforeSeq < 0) throw new InvalidArgumentError('page_token', 'is not a token returned by ListJobs');
      }
      const page = jobs.list({ state: request.state || undefined, beforeSeq, limit });
      return { jobs: page.jobs, nextPageToken: page.jobs.length === limit && page.lastSeq !== undefined ? String(page.lastSeq) : '' };
    },
  };
}
