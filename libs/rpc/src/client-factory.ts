import type { DescService } from '@bufbuild/protobuf';
import { createClient, type Client, type Interceptor, type Transport } from '@connectrpc/connect';
import { createGrpcTransport, type Http2SessionManager } from '@connectrpc/connect-node';
import { WideWindowSessionManager } from '@weft/client/http2';
import { maxMessageBytes } from './limits.js';
import { tracingClientInterceptor } from './tracing-interceptor.js';
import { clientTlsOptions, readInternalTls, watchInternalTls, type InternalTlsPaths } from './internal-tls.js';

/** Options of {@link createClientFactory}. */
export interface ClientFactoryOptions {
  /** Interceptors applied to every call (tracing, fault injection), outermost first. */
  readonly interceptors?: Interceptor[];
  /** How often to ping an idle HTTP/2 connection, in milliseconds (default 5000); a peer that does not answer within `pingTimeoutMs` is treated as gone. */
  readonly pingIntervalMs?: number;
  /** How long to wait for a ping answer, in milliseconds (default 5000). */
  readonly pingTimeoutMs?: number;
  /**
   * Mutual TLS: every connection presents this certificate and accepts only peers the CA signed;
   * `http://` URLs are dialled as `https://`. A change to the files is picked up by new connections
   * (existing ones are closed a minute later).
   */
  readonly tls?: InternalTlsPaths;
  /** Called when the TLS files cannot be re-read (the previous ones stay in use). */
  readonly onTlsError?: (error: unknown) => void;
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
  /**
   * The HTTP/2 connection to `baseUrl` that its clients share (with its TLS, pings and receive
   * windows), and the URL it dials (`https://` under internal TLS), for a caller that writes a
   * call's frames itself (the gateway's upload relay).
   */
  http2(baseUrl: string): { readonly sessions: Http2SessionManager; readonly url: string };
  /** Drops the connection to one peer (e.g. a node declared dead). */
  forget(baseUrl: string): void;
  /** Closes every connection. */
  close(): void;
}

/** Creates a {@link ClientFactory}. */
export function createClientFactory(options: ClientFactoryOptions = {}): ClientFactory {
  const peers = new Map<string, { transport: Transport; sessions: Http2SessionManager; url: string }>();
  const tlsPaths = options.tls;
  let tlsOptions = tlsPaths ? clientTlsOptions(readInternalTls(tlsPaths)) : undefined;
  const stopWatching = tlsPaths
    ? watchInternalTls(tlsPaths, () => {
        try {
          tlsOptions = clientTlsOptions(readInternalTls(tlsPaths));
        } catch (error) {
          options.onTlsError?.(error);
          return;
        }
        // New connections use the new files; calls on the old ones get a minute to finish.
        const old = [...peers.values()];
        peers.clear();
        setTimeout(() => old.forEach(({ sessions }) => sessions.abort()), 60_000).unref();
      })
    : () => undefined;

  function peer(baseUrl: string): { transport: Transport; sessions: Http2SessionManager; url: string } {
    let entry = peers.get(baseUrl);
    if (!entry) {
      const url = tlsOptions ? baseUrl.replace(/^http:/, 'https:') : baseUrl;
      const pingOptions = {
        pingIntervalMs: options.pingIntervalMs ?? 5_000,
        pingTimeoutMs: options.pingTimeoutMs ?? 5_000,
        pingIdleConnection: true,
      };
      // Wide HTTP/2 receive windows: shuffle chunks and results are not held to 64 KiB per round trip.
      const sessions = new WideWindowSessionManager(url, pingOptions, tlsOptions);
      const transport = createGrpcTransport({
        baseUrl: url,
        sessionManager: sessions,
        // Tracing outermost: the CLIENT span covers everything the other interceptors do.
        interceptors: [tracingClientInterceptor(), ...(options.interceptors ?? [])],
        readMaxBytes: maxMessageBytes,
        writeMaxBytes: maxMessageBytes,
      });
      entry = { transport, sessions, url };
      peers.set(baseUrl, entry);
    }
    return entry;
  }

  // With TLS, clients hold a transport that finds the peer's current connection on every call, so
  // long-lived clients (the registration stream, per-node clients) move to renewed files too.
  const current = (baseUrl: string): Transport =>
    tlsPaths ? { unary: (...args) => peer(baseUrl).transport.unary(...args), stream: (...args) => peer(baseUrl).transport.stream(...args) } : peer(baseUrl).transport;

  return {
    client: (service, baseUrl) => createClient(service, current(baseUrl)),
    transport: current,
    http2: (baseUrl) => {
      const { sessions, url } = peer(baseUrl);
      return { sessions, url };
    },
    forget(baseUrl) {
      peers.get(baseUrl)?.sessions.abort();
      peers.delete(baseUrl);
    },
    close() {
      stopWatching();
      for (const { sessions } of peers.values()) sessions.abort();
      peers.clear();
    },
  };
}
