import { createGrpcTransport } from '@connectrpc/connect-node';
import { WideWindowSessionManager } from './http2-windows.js';
import { traceContextInterceptor } from './trace-context-interceptor.js';
import { createWeftClientWithTransport } from './weft-client.js';
import type { WeftClient, WeftClientOptions } from './weft-client.js';

/**
 * Creates a client (Node). With no `transport`, it speaks gRPC over HTTP/2 (h2c for http:// URLs)
 * to `url` with wide HTTP/2 receive windows (see `widenReceiveWindows`), carrying the caller's trace context. Throws a `TypeError` when `url` is not an http(s) URL.
 * Browsers use `createWeftClient` from `@weft/client/web` instead.
 */
export function createWeftClient(options: WeftClientOptions): WeftClient {
  const transport = options.transport ?? createGrpcTransport({ baseUrl: options.url, sessionManager: new WideWindowSessionManager(options.url), interceptors: [traceContextInterceptor()] });
  return createWeftClientWithTransport({ ...options, transport });
}
