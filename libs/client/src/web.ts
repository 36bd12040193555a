// @weft/client/web: the same typed client for browsers. Nothing reachable from here imports
// connect-node or `node:*` modules (web.spec.ts walks the imports to keep it so).
import type { Transport } from '@connectrpc/connect';
import { createWeftClientWithTransport } from './weft-client.js';
import type { WeftClient, WeftClientOptions } from './weft-client.js';

/** Options of the browser `createWeftClient`. */
export interface WebClientOptions extends WeftClientOptions {
  /**
   * The browser transport, e.g. `createConnectTransport({ baseUrl: url })` from
   * `@connectrpc/connect-web` (Connect protocol over fetch, HTTP/1.1 is enough) or its
   * `createGrpcWebTransport`. Required: this entry point bundles none of its own.
   * TODO(issue 6): default to connect-web's `createConnectTransport` once it is a dependency.
   */
  readonly transport: Transport;
}

/**
 * Creates a client for browsers: the same `WeftClient` as `@weft/client`, over `options.transport`.
 * `upload` needs client streaming, which fetch-based transports do not offer; everything else
 * (unary calls, `watch`, `results`, `scatter`) works. Throws a `TypeError` when `url` is not http(s).
 */
export function createWeftClient(options: WebClientOptions): WeftClient {
  return createWeftClientWithTransport(options);
}

export * from './public-api.js';
