import { createClient, type Client } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-web';
import { ClusterService, JobService, ScatterGatherService } from '@weft/proto';
import { bearerInterceptor } from './logic/bearer-interceptor.js';

/** The gateway's public API, as the dashboard calls it: the same weft.v1 services every client uses. */
export interface WeftApi {
  readonly jobs: Client<typeof JobService>;
  readonly cluster: Client<typeof ClusterService>;
  readonly scatter: Client<typeof ScatterGatherService>;
}

/**
 * Clients of the gateway at `baseUrl` (the page's own origin) over Connect-Web's fetch transport,
 * which streams WatchJob, ReadResults and Scatter over plain HTTP/1.1. Binary protobuf on the wire.
 */
export function createWeftApi(baseUrl: string, token: () => string): WeftApi {
  const transport = createConnectTransport({ baseUrl, useBinaryFormat: true, interceptors: [bearerInterceptor(token)] });
  return {
    jobs: createClient(JobService, transport),
    cluster: createClient(ClusterService, transport),
    scatter: createClient(ScatterGatherService, transport),
  };
}
