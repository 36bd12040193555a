import type { Interceptor } from '@connectrpc/connect';
import { ResourceExhaustedError } from '@weft/errors';
import { toConnectError } from '@weft/rpc';
import type { JobSpec, ListJobsRequest, ReadResultsRequest, ScatterRequest, SubmitJobRequest, UploadJobRequest } from '@weft/proto';
import { principalKey } from './principal.js';
import { checkJobSpec, checkListJobs, checkReadResults, checkScatter, type RequestLimits } from './request-limits.js';

type Check = (message: unknown, limits: RequestLimits) => void;

/** Per-method checks of single request messages, by `service/method`. */
const checks: Readonly<Record<string, Check>> = {
  'weft.v1.JobService/SubmitJob': (m, l) => checkJobSpec((m as SubmitJobRequest).spec, l),
  'weft.v1.JobService/ReadResults': (m, l) => checkReadResults(m as ReadResultsRequest, l),
  'weft.v1.JobService/ListJobs': (m, l) => checkListJobs(m as ListJobsRequest, l),
  'weft.v1.ScatterGatherService/Scatter': (m, l) => checkScatter(m as ScatterRequest, l),
};

/**
 * Checks each message of a request stream as the relay reads it. Refusals are thrown as
 * ConnectErrors: the relay's upstream client reads this stream, and it would turn any other error
 * into INTERNAL.
 */
async function* checkEach<T>(messages: AsyncIterable<T>, check: (message: T) => void): AsyncIterable<T> {
  for await (const message of messages) {
    try {
      check(message);
    } catch (error) {
      throw toConnectError(error);
    }
    yield message;
  }
}

/**
 * The checks of one UploadJob stream as it passes: the spec like SubmitJob's, then the bytes of
 * the chunks against the upload limit (GATEWAY_MAX_UPLOAD_SIZE). Used by the limits interceptor
 * on decoded messages and by the upload relay, which reads a chunk's length without decoding it.
 */
export class UploadChecks {
  private bytes = 0;

  constructor(private readonly limits: RequestLimits) {}

  /** Checks one decoded message. */
  message(message: UploadJobRequest): void {
    if (message.kind.case === 'spec') checkJobSpec(message.kind.value as JobSpec, this.limits);
    else if (message.kind.case === 'chunk') this.chunk(message.kind.value.byteLength);
  }

  /** Counts a chunk of `byteLength` bytes, before any of it is passed on. */
  chunk(byteLength: number): void {
    this.bytes += byteLength;
    if (this.bytes > this.limits.uploadBytes) throw new ResourceExhaustedError(`the upload exceeds ${this.limits.uploadBytes} bytes (GATEWAY_MAX_UPLOAD_SIZE)`);
  }
}

/**
 * Server interceptor applying {@link RequestLimits} to every public RPC: request fields are
 * checked before the call is relayed (streamed requests message by message), and WatchJob
 * streams are counted per caller (the principal; all of development mode counts as one caller).
 * Refusals are INVALID_ARGUMENT or RESOURCE_EXHAUSTED with a message naming the limit's variable.
 */
export function limitsInterceptor(limits: RequestLimits): Interceptor {
  const watches = new Map<string, number>();
  return (next) => async (request) => {
    const name = `${request.service.typeName}/${request.method.name}`;
    if (name === 'weft.v1.JobService/UploadJob' && request.stream) {
      const upload = new UploadChecks(limits);
      return next({ ...request, message: checkEach(request.message as AsyncIterable<UploadJobRequest>, (m) => upload.message(m)) } as typeof request);
    }
    const check = checks[name];
    if (check) {
      if (request.stream) request = { ...request, message: checkEach(request.message, (m) => check(m, limits)) };
      else check(request.message, limits);
    }
    if (name !== 'weft.v1.JobService/WatchJob') return next(request);
    const caller = request.contextValues.get(principalKey)?.name ?? '';
    const open = watches.get(caller) ?? 0;
    if (open >= limits.watchesPerCaller) {
      throw new ResourceExhaustedError(`${open} WatchJob streams are open for this caller; the limit is ${limits.watchesPerCaller} (GATEWAY_MAX_WATCHES_PER_CALLER)`);
    }
    watches.set(caller, open + 1);
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      const left = (watches.get(caller) ?? 1) - 1;
      if (left <= 0) watches.delete(caller);
      else watches.set(caller, left);
    };
    try {
      const response = await next(request);
      if (!response.stream) {
        release();
        return response;
      }
      return { ...response, message: releaseAfter(response.message, release) };
    } catch (error) {
      release();
      throw error;
    }
  };
}

async function* releaseAfter<T>(messages: AsyncIterable<T>, release: () => void): AsyncIterable<T> {
  try {
    yield* messages;
  } finally {
    release();
  }
}

