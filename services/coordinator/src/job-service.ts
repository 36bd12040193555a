import { create } from '@bufbuild/protobuf';
import { timestampNow } from '@bufbuild/protobuf/wkt';
import type { ServiceImpl } from '@connectrpc/connect';
import { FailedPreconditionError, InvalidArgumentError } from '@weft/errors';
import type { JobService} from '@weft/proto';
import { JobState, WatchJobResponseSchema, type ReadResultsResponse, type WatchJobResponse } from '@weft/proto';
import type { RecentTraces } from '@weft/telemetry';
import type { JobManager } from './job-manager.js';
import type { JobStore } from './job-store.js';
import { jobTraceResponse } from './job-trace.js';

const maxPageSize = 1000;

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
      if (runner) {
        yield* runner.events.follow(after, ctx.signal);
      } else {
        yield create(WatchJobResponseSchema, { sequence: BigInt(after + 1), time: timestampNow(), event: { case: 'state', value: snapshot.state }, phases: snapshot.phases });
      }
    },

    async *readResults(request): AsyncGenerator<ReadResultsResponse> {
      const job = jobs.get(requireJobId(request.jobId));
      if (job.state !== JobState.SUCCEEDED) {
        throw new FailedPreconditionError(`job ${job.id} is ${JobState[job.state]}; results can be read once it has SUCCEEDED`);
      }
      for (const rows of store.readResults(job.id, request.order, Number(request.limit), Number(request.offset))) {
        yield {
          $typeName: 'weft.v1.ReadResultsResponse',
          records: rows.map((row) => ({
            $typeName: 'weft.v1.Record',
            key: row.key,
            value: { $typeName: 'weft.v1.Value', kind: row.int !== null ? { case: 'int', value: row.int } : { case: 'json', value: row.json ?? 'null' } },
          })),
        };
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
