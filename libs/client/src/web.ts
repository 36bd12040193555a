// @weft/client/web: the same typed client for browsers. Nothing reachable from here imports
// connect-node or `node:*` modules (web.spec.ts walks the imports to keep it so).
import type { Transport } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-web';
import { createWeftClientWithTransport } from './weft-client.js';
import type { WeftClient, WeftClientOptions } from './weft-client.js';

/** Options of the browser `createWeftClient`. */
export interface WebClientOptions extends WeftClientOptions {
  /**
   * The browser transport. Default: `@connectrpc/connect-web`'s `createConnectTransport` to `url`
   * (the Connect protocol over fetch, binary protobuf; HTTP/1.1 is enough). Pass its
   * `createGrpcWebTransport`, or a transport with your own interceptors, to choose otherwise.
   */
  readonly transport?: Transport;
}

/**
 * Creates a client for browsers: the same `WeftClient` as `@weft/client`, over `options.transport`.
 * `upload` needs client streaming, which fetch-based transports do not offer; everything else
 * (unary calls, `watch`, `results`, `scatter`) works. Throws a `TypeError` when `url` is not http(s).
 */
export function createWeftClient(options: WebClientOptions): WeftClient {
  // Making a transport sends nothing; createWeftClientWithTransport then checks the URL.
  const transport = options.transport ?? createConnectTransport({ baseUrl: options.url, useBinaryFormat: true });
  return createWeftClientWithTransport({ ...options, transport });
}

export * from './public-api.js';
