import { createGrpcTransport } from '@connectrpc/connect-node';
import { traceContextInterceptor } from './trace-context-interceptor.js';
import { createWeftClientWithTransport } from './weft-client.js';
import type { WeftClient, WeftClientOptions } from './weft-client.js';

/**
 * Creates a client (Node). With no `transport`, it speaks gRPC over HTTP/2 (h2c for http:// URLs)
 * to `url`, carrying the caller's trace context. Throws a `TypeError` when `url` is not an http(s) URL.
 * Browsers use `createWeftClient` from `@weft/client/web` instead.
 */
export function createWeftClient(options: WeftClientOptions): WeftClient {
  const transport = options.transport ?? createGrpcTransport({ baseUrl: options.url, interceptors: [traceContextInterceptor()] });
  return createWeftClientWithTransport({ ...options, transport });
}
