import type { DescService } from '@bufbuild/protobuf';
import { createClient, type Client, type Interceptor, type Transport } from '@connectrpc/connect';
import { createGrpcTransport, Http2SessionManager } from '@connectrpc/connect-node';
import { maxMessageBytes } from './limits.js';
import { tracingClientInterceptor } from './tracing-interceptor.js';

/** Options of {@link createClientFactory}. */
export interface ClientFactoryOptions {
  /** Interceptors applied to every call (tracing, fault injection), outermost first. */
  readonly interceptors?: Interceptor[];
  /** How often to ping an idle HTTP/2 connection, in milliseconds (default 5000); a peer that does not answer within `pingTimeoutMs` is treated as gone. */
  readonly pingIntervalMs?: number;
  /** How long to wait for a ping answer, in milliseconds (default 5000). */
  readonly pingTimeoutMs?: number;
}

/**
 * The one place every service-to-service client is made. It keeps one HTTP/2 connection per
 * peer and applies the shared interceptors, so policies and tracing plug in here once, and
 * `close()` tears every connection down on shutdown.
 */
export interface ClientFactory {
  /** A typed client for `service` at `baseUrl` (e.g. `http://10.0.0.7:7401`), sharing the peer's connection. */
  client<S extends DescService>(service: S, baseUrl: string): Client<S>;
  /** The transport to `baseUrl`, for callers that build their own clients. */
  transport(baseUrl: string): Transport;
  /** Drops the connection to one peer (e.g. a node declared dead). */
  forget(baseUrl: string): void;
  /** Closes every connection. */
  close(): void;
}

/** Creates a {@link ClientFactory}. */
export function createClientFactory(options: ClientFactoryOptions = {}): ClientFactory {
  const peers = new Map<string, { transport: Transport; sessions: Http2SessionManager }>();

  function peer(baseUrl: string): { transport: Transport; sessions: Http2SessionManager } {
    let entry = peers.get(baseUrl);
    if (!entry) {
      const sessions = new Http2SessionManager(baseUrl, {
        pingIntervalMs: options.pingIntervalMs ?? 5_000,
        pingTimeoutMs: options.pingTimeoutMs ?? 5_000,
        pingIdleConnection: true,
      });
      const transport = createGrpcTransport({
        baseUrl,
        sessionManager: sessions,
        // Tracing outermost: the CLIENT span covers everything the other interceptors do.
        interceptors: [tracingClientInterceptor(), ...(options.interceptors ?? [])],
        readMaxBytes: maxMessageBytes,
        writeMaxBytes: maxMessageBytes,
      });
      entry = { transport, sessions };
      peers.set(baseUrl, entry);
    }
    return entry;
  }

  return {
    client: (service, baseUrl) => createClient(service, peer(baseUrl).transport),
    transport: (baseUrl) => peer(baseUrl).transport,
    forget(baseUrl) {
      peers.get(baseUrl)?.sessions.abort();
      peers.delete(baseUrl);
    },
    close() {
      for (const { sessions } of peers.values()) sessions.abort();
      peers.clear();
    },
  };
}
