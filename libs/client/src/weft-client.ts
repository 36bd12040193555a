import type { Client, Transport } from '@connectrpc/connect';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { create } from '@bufbuild/protobuf';
import type { FunctionInfo, Job, JobState, Node, UploadJobRequest } from '@weft/proto';
import { ClusterService, JobService, ScatterGatherService, UploadJobRequestSchema } from '@weft/proto';
import { createJobHandle } from './job-handle.js';
import type { CallOptionsInit, JobCallContext, JobHandle } from './job-handle.js';
import { toJobSpec } from './job-spec-init.js';
import type { JobSpecInit } from './job-spec-init.js';
import { retryUnavailable } from './retry-unavailable.js';
import type { RetryOptions } from './retry-unavailable.js';
import { toScatterEvents, toScatterRequest } from './scatter-event.js';
import type { ScatterEvent, ScatterInit } from './scatter-event.js';
import { waitForNodes } from './wait-for-nodes.js';
import type { WaitForNodesOptions } from './wait-for-nodes.js';

/** Options of `createWeftClient`. */
export interface WeftClientOptions {
  /** Base URL of the gateway, e.g. "http://127.0.0.1:8080". */
  readonly url: string;
  /** Bearer token sent as `authorization` on every call, when the gateway requires one. */
  readonly token?: string;
  /**
   * Transport to use instead of the default gRPC-over-HTTP/2 one built from `url` (tests pass
   * `createRouterTransport`; browsers pass a Connect-Web transport).
   */
  readonly transport?: Transport;
  /** Retries of idempotent calls (GetJob, ListJobs, DescribeCluster, ListFunctions) on UNAVAILABLE. */
  readonly retry?: RetryOptions;
}

/** What `WeftClient.jobs` takes. */
export interface JobsFilter extends CallOptionsInit {
  /** Only jobs in this state. */
  readonly state?: JobState;
  /** Maximum jobs returned, newest first. Default 50. */
  readonly limit?: number;
}

/**
 * Largest chunk `upload` puts in one message, in bytes: just under 1 MiB, so the encoded message
 * (chunk, tag and length) fits 1 MiB. protobuf-es grows its write buffer to the next power of two,
 * so a message a few bytes over 1 MiB costs a 2 MiB buffer to encode, here and again where the
 * gateway relays it: 1 MiB reads (a file stream's usual size) go as 1 MiB - 16 bytes and 16 bytes.
 */
const uploadChunkBytes = 1024 * 1024 - 16;

/** The typed client of a Weft gateway. */
export interface WeftClient {
  /** The gateway URL it talks to. */
  readonly url: string;
  /**
   * Submits a job (SubmitJob). Retried on a lost connection only when `spec.idempotencyKey` is set
   * (a resubmission then returns the same job); without one never, since a lost answer may hide an
   * accepted job. Throws NOT_FOUND / INVALID_ARGUMENT ConnectErrors.
   */
  submit(spec: JobSpecInit, options?: CallOptionsInit): Promise<JobHandle>;
  /**
   * Submits a job whose input is streamed (UploadJob: the spec, then `data` as ~1 MiB chunks, lines
   * may span chunks, then `end` with the byte count, which alone tells the cluster the upload is
   * complete: the job maps the input as it arrives, and fails if the call is cancelled or breaks
   * off). `spec.inputs` may be empty. Never retried. Throws like `submit`.
   */
  upload(spec: JobSpecInit, data: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, options?: CallOptionsInit): Promise<JobHandle>;
  /** The handle of an existing job; makes no call. */
  job(id: string): JobHandle;
  /** Jobs, newest first (ListJobs, paged until `limit`). */
  jobs(filter?: JobsFilter): Promise<Job[]>;
  /** Every node of the cluster (DescribeCluster). */
  cluster(options?: CallOptionsInit): Promise<Node[]>;
  /** Registered jobs and scatter functions (ListFunctions). */
  functions(options?: CallOptionsInit): Promise<FunctionInfo[]>;
  /** Runs a scatter-gather call: item outcomes as they complete, then one summary. */
  scatter(init: ScatterInit, options?: CallOptionsInit): AsyncIterable<ScatterEvent>;
  /** Polls DescribeCluster until the expected workers are ALIVE; see `WaitForNodesOptions`. */
  waitForNodes(options: WaitForNodesOptions): Promise<Node[]>;
}

/**
 * The client over a transport the caller chose; it imports nothing runtime-specific, so both entry
 * points (`@weft/client` for Node, `@weft/client/web` for browsers) wrap it. Throws a `TypeError`
 * when `url` is not an http(s) URL.
 * @internal
 */
export function createWeftClientWithTransport(options: WeftClientOptions & { readonly transport: Transport }): WeftClient {
  const url = options.url;
  if (!/^https?:\/\/[^/]+/.test(url)) throw new TypeError(`options.url must be an http(s) URL, got "${url}"`);
  const transport = options.transport;
  const headers: Record<string, string> = options.token ? { authorization: `Bearer ${options.token}` } : {};
  const retry = options.retry ?? {};
  const jobService: Client<typeof JobService> = createClient(JobService, transport);
  const clusterService = createClient(ClusterService, transport);
  const scatterService = createClient(ScatterGatherService, transport);
  const ctx: JobCallContext = { jobs: jobService, headers, retry };

  const client: WeftClient = {
    url,
    async submit(spec, callOptions = {}) {
      const submit = () => jobService.submitJob({ spec: toJobSpec(spec) }, { headers, signal: callOptions.signal });
      // With an idempotency key a resubmission returns the same job, so a lost connection is retried.
      const res = spec.idempotencyKey ? await retryUnavailable(submit, retry, callOptions.signal) : await submit();
      if (!res.jobId) throw new ConnectError('SubmitJob returned no job id', Code.Internal);
      return createJobHandle(res.jobId, ctx);
    },
    async upload(spec, data, callOptions = {}) {
      async function* requests(): AsyncGenerator<UploadJobRequest> {
        yield create(UploadJobRequestSchema, { kind: { case: 'spec', value: toJobSpec(spec) } });
        let sent = 0;
        for await (const bytes of data) {
          for (let offset = 0; offset < bytes.byteLength; offset += uploadChunkBytes) {
            yield create(UploadJobRequestSchema, { kind: { case: 'chunk', value: bytes.subarray(offset, offset + uploadChunkBytes) } });
          }
          sent += bytes.byteLength;
        }
        // Only now is the upload complete: a stream cut short, even one that looks ended, lacks this.
        yield create(UploadJobRequestSchema, { kind: { case: 'end', value: { bytes: BigInt(sent) } } });
      }
      const res = await jobService.uploadJob(requests(), { headers, signal: callOptions.signal, timeoutMs: callOptions.timeoutMs });
      if (!res.jobId) throw new ConnectError('UploadJob returned no job id', Code.Internal);
      return createJobHandle(res.jobId, ctx);
    },
    job: (id) => createJobHandle(id, ctx),
    async jobs(filter = {}) {
      const limit = filter.limit ?? 50;
      const found: Job[] = [];
      let pageToken = '';
      do {
        const res = await retryUnavailable(
          () =>
            jobService.listJobs(
              { state: filter.state, pageSize: Math.min(1000, limit - found.length), pageToken },
              { headers, signal: filter.signal },
            ),
          retry,
          filter.signal,
        );
        found.push(...res.jobs.slice(0, limit - found.length));
        pageToken = res.nextPageToken;
      } while (pageToken && found.length < limit);
      return found;
    },
    async cluster(callOptions = {}) {
      const res = await retryUnavailable(
        () => clusterService.describeCluster({}, { headers, signal: callOptions.signal }),
        retry,
        callOptions.signal,
      );
      return res.nodes;
    },
    async functions(callOptions = {}) {
      const res = await retryUnavailable(
        () => clusterService.listFunctions({}, { headers, signal: callOptions.signal }),
        retry,
        callOptions.signal,
      );
      return res.functions;
    },
    async *scatter(init, callOptions = {}) {
      const stream = scatterService.scatter(toScatterRequest(init), { headers, signal: callOptions.signal, timeoutMs: callOptions.timeoutMs });
      for await (const res of stream) {
        yield* toScatterEvents(res);
      }
    },
    waitForNodes: (waitOptions) =>
      waitForNodes(() => clusterService.describeCluster({}, { headers, signal: waitOptions.signal }).then((r) => r.nodes), waitOptions),
  };
  return client;
}
