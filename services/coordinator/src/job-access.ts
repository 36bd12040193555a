import { createContextKey, type HandlerContext, type ServiceImpl } from '@connectrpc/connect';
import { FailedPreconditionError, InvalidArgumentError, JobNotFoundError } from '@weft/errors';
import type { JobService } from '@weft/proto';
import type { JobManager } from './job-manager.js';
import type { JobOwners } from './job-owners.js';

/** Header the gateway sets to the authenticated caller's name (see SECURITY.md: trusted only because only the gateway reaches this port). */
export const principalHeader = 'x-weft-principal';
/** Header the gateway sets to `true` for callers with the admin scope. */
export const adminHeader = 'x-weft-admin';

const maxPageSize = 1000;

/**
 * Set by {@link withJobAccess} on an UploadJob call: the UploadJob handler calls it with the job's id
 * the moment it journals the job (at the upload's first bytes), so the caller owns the job while
 * it uploads and also when the upload breaks off, not only once the call answers.
 */
export const uploadJobCreated = createContextKey<((jobId: string) => void) | undefined>(undefined, { description: 'weft: UploadJob job created' });

interface Caller {
  readonly name: string;
  readonly admin: boolean;
}

/** The caller the gateway vouched for; undefined without the header (development mode, internal callers): no restriction. */
function callerOf(ctx: HandlerContext): Caller | undefined {
  const name = ctx.requestHeader.get(principalHeader);
  if (!name) return undefined;
  return { name, admin: ctx.requestHeader.get(adminHeader) === 'true' };
}

type JobServiceImpl = Partial<ServiceImpl<typeof JobService>>;

/**
 * Wraps the JobService so a caller sees only its own jobs: SubmitJob and UploadJob record the
 * caller as the job's owner (UploadJob as soon as the job exists, see {@link uploadJobCreated}); GetJob, GetJobTrace, WatchJob, ReadResults and CancelJob on another caller's job
 * answer NOT_FOUND exactly like a job that does not exist (so ids do not leak); ListJobs lists
 * only the caller's jobs. Admin callers and calls without an identity are not restricted.
 */
export function withJobAccess(inner: JobServiceImpl, jobs: JobManager, owners: JobOwners): JobServiceImpl {
  const visible = (ctx: HandlerContext, jobId: string): void => {
    const caller = callerOf(ctx);
    if (!caller || caller.admin || !jobId) return;
    if (owners.ownerOf(jobId) !== caller.name) throw new JobNotFoundError(`job ${jobId} does not exist`);
  };
  const own = (ctx: HandlerContext, jobId: string, deduplicated: boolean): void => {
    const caller = callerOf(ctx);
    if (!caller) return;
    if (!deduplicated) return owners.record(jobId, caller.name);
    // An idempotency key names one caller's job: another caller reusing it learns nothing about it.
    if (!caller.admin && owners.ownerOf(jobId) !== caller.name) {
      throw new FailedPreconditionError('spec.idempotency_key is already in use; choose another key');
    }
  };
  return {
    ...inner,
    async submitJob(request, ctx) {
      const response = await inner.submitJob!(request, ctx);
      own(ctx, response.jobId ?? '', response.deduplicated ?? false);
      return response;
    },
    async uploadJob(requests, ctx) {
      ctx.values.set(uploadJobCreated, (jobId) => own(ctx, jobId, false));
      const response = await inner.uploadJob!(requests, ctx);
      own(ctx, response.jobId ?? '', response.deduplicated ?? false);
      return response;
    },
    async getJob(request, ctx) {
      visible(ctx, request.jobId);
      return inner.getJob!(request, ctx);
    },
    async getJobTrace(request, ctx) {
      visible(ctx, request.jobId);
      return inner.getJobTrace!(request, ctx);
    },
    async *watchJob(request, ctx) {
      visible(ctx, request.jobId);
      yield* inner.watchJob!(request, ctx);
    },
    async *readResults(request, ctx) {
      visible(ctx, request.jobId);
      yield* inner.readResults!(request, ctx);
    },
    async cancelJob(request, ctx) {
      visible(ctx, request.jobId);
      return inner.cancelJob!(request, ctx);
    },
    listJobs(request, ctx) {
      const caller = callerOf(ctx);
      if (!caller || caller.admin) return inner.listJobs!(request, ctx);
      const limit = request.pageSize === 0 ? 50 : Math.min(request.pageSize, maxPageSize);
      let beforeSeq: number | undefined;
      if (request.pageToken) {
        beforeSeq = Number(request.pageToken);
        if (!Number.isSafeInteger(beforeSeq) || beforeSeq < 0) throw new InvalidArgumentError('page_token', 'is not a token returned by ListJobs');
      }
      const page = owners.page(caller.name, { state: request.state || undefined, beforeSeq, limit });
      return {
        jobs: page.map((row) => jobs.get(row.id)),
        nextPageToken: page.length === limit ? String(page.at(-1)!.seq) : '',
      };
    },
  };
}
