import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import type * as tls from 'node:tls';
import type { ConnectRouter, Interceptor } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import { wideWindowSettings, widenReceiveWindows } from '@weft/client/http2';

type NodeHandlerFn = NonNullable<Parameters<typeof connectNodeAdapter>[0]['fallback']>;
import { errorInterceptor } from './error-interceptor.js';
import { maxMessageBytes } from './limits.js';
import { tracingServerInterceptor } from './tracing-interceptor.js';

/** Options of {@link startConnectServer}. */
export interface ConnectServerOptions {
  /** Interface to bind; default 127.0.0.1. */
  readonly host?: string;
  /** Port; 0 (default) lets the OS choose. */
  readonly port?: number;
  /** Registers the services. */
  readonly routes: (router: ConnectRouter) => void;
  /** Interceptors run after the error interceptor (always outermost) and the tracing interceptor. */
  readonly interceptors?: Interceptor[];
  /**
   * Takes an HTTP/2 request before Connect does, answering it itself, when it returns true (the
   * gateway's UploadJob relay, which passes gRPC frames on without decoding them). It runs on
   * every HTTP/2 request, so it must decide from the headers alone, at once.
   */
  readonly takeFirst?: (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => boolean;
  /** Plain HTTP handler for requests no RPC route matched (e.g. the dashboard); 404 by default. */
  readonly fallback?: NodeHandlerFn;
  /** Largest request message accepted, in bytes (default {@link maxMessageBytes}); larger ones get RESOURCE_EXHAUSTED. */
  readonly readMaxBytes?: number;
  /**
   * Serve TLS instead of cleartext: HTTP/2 (negotiated by ALPN) and HTTP/1.1 on the same port, with
   * this certificate and key. Replace them later with {@link ConnectServer.setSecureContext}.
   */
  readonly tls?: tls.SecureContextOptions;
  /**
   * Which responses may be compressed (gzip/br, when the client accepts it): `remote` (default)
   * only for clients not on loopback — on loopback compressing costs CPU on both ends and saves
   * nothing (measured: ReadResults of 137k rows 455 ms with gzip, 361 ms without) — `always`, or
   * `never`. Compressed requests are accepted in every mode.
   */
  readonly responseCompression?: 'remote' | 'always' | 'never';
}

/** A running Connect server. */
export interface ConnectServer {
  /** The bound port. */
  readonly port: number;
  /** Stops accepting, closes every open connection after `graceMs`, resolves when closed. */
  close(graceMs?: number): Promise<void>;
  /** Replaces the certificate and key of a TLS server (new connections use them); undefined without TLS. */
  readonly setSecureContext?: (options: tls.SecureContextOptions) => void;
}

// Where Connect, gRPC and gRPC-Web clients say which response compressions they accept.
const acceptEncodingHeaders = ['grpc-accept-encoding', 'connect-accept-encoding', 'accept-encoding'] as const;

/** Whether a peer's address is on loopback (where compressing responses only costs CPU). */
export function isLoopback(address: string | undefined): boolean {
  return address !== undefined && (address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.'));
}

// Every HTTP/2 connection starts with this preface; no HTTP/1.x request line can.
const http2Preface = Buffer.from('PRI * HTTP/2.0');

/**
 * Serves Connect, gRPC and gRPC-Web on ONE plaintext port for both HTTP/1.1 (curl, browsers) and
 * HTTP/2 h2c (gRPC clients). Node's http2.createServer cannot take HTTP/1.1 without TLS, so a raw
 * TCP listener sniffs the first bytes of each connection and hands the socket to the matching
 * server. With `tls`, one http2 secure server with `allowHTTP1` serves both instead (ALPN decides).
 */
export async function startConnectServer(options: ConnectServerOptions): Promise<ConnectServer> {
  const adapter = connectNodeAdapter({
    routes: options.routes,
    interceptors: [errorInterceptor(), tracingServerInterceptor(), ...(options.interceptors ?? [])],
    readMaxBytes: options.readMaxBytes ?? maxMessageBytes,
    writeMaxBytes: maxMessageBytes,
    fallback: options.fallback,
  });
  const compression = options.responseCompression ?? 'remote';
  // A request whose accept-encoding headers are gone is answered uncompressed (identity).
  const connect: typeof adapter =
    compression === 'always'
      ? adapter
      : (req, res) => {
          if (compression === 'never' || isLoopback(req.socket.remoteAddress)) {
            for (const name of acceptEncodingHeaders) delete req.headers[name];
          }
          adapter(req, res);
        };
  const takeFirst = options.takeFirst;
  const handler: typeof adapter = takeFirst
    ? (req, res) => {
        if (req.httpVersionMajor === 2 && takeFirst(req as http2.Http2ServerRequest, res as http2.Http2ServerResponse)) return;
        connect(req, res);
      }
    : connect;
  const h1 = http.createServer(handler);
  // Wide receive windows (streams and connection): uploads are not held to 64 KiB per round trip.
  const h2 = http2.createServer({ settings: wideWindowSettings }, handler);
  const sessions = new Set<http2.ServerHttp2Session>();
  const sockets = new Set<net.Socket>();
  h2.on('session', (session) => {
    widenReceiveWindows(session);
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });

  let secure: http2.Http2SecureServer | undefined;
  if (options.tls) {
    secure = http2.createSecureServer({ ...options.tls, allowHTTP1: true, settings: wideWindowSettings }, handler);
    secure.on('session', (session) => {
      widenReceiveWindows(session);
      sessions.add(session);
      session.once('close', () => sessions.delete(session));
    });
    secure.on('secureConnection', (socket: net.Socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    // A client that fails the handshake (plain HTTP, a bad certificate) costs only its socket.
    secure.on('tlsClientError', (_error, socket) => socket.destroy());
  }

  const listener: net.Server = secure ?? net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    // Peek with 'readable' + read() + unshift: the bytes go back into the socket's buffer, where
    // both the HTTP/1 parser and the native HTTP/2 session pick them up. (Switching the socket to
    // flowing mode with a 'data' listener loses them for HTTP/2.)
    let head = Buffer.alloc(0);
    const sniff = (): void => {
      const chunk = socket.read() as Buffer | null;
      if (chunk) head = Buffer.concat([head, chunk]);
      if (head.length < http2Preface.length && http2Preface.subarray(0, head.length).equals(head)) return;
      socket.off('readable', sniff);
      socket.unshift(head);
      const target: net.Server = head.subarray(0, http2Preface.length).equals(http2Preface) ? h2 : h1;
      target.emit('connection', socket);
    };
    socket.on('readable', sniff);
    socket.on('error', () => socket.destroy());
  });

  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = listener.address() as net.AddressInfo;

  return {
    port: address.port,
    setSecureContext: secure ? (context) => secure.setSecureContext(context) : undefined,
    async close(graceMs = 2_000) {
      const closed = new Promise<void>((resolve) => listener.close(() => resolve()));
      for (const session of sessions) session.close();
      h1.closeIdleConnections();
      const timer = setTimeout(() => {
        for (const session of sessions) session.destroy();
        for (const socket of sockets) socket.destroy();
      }, graceMs);
      await closed;
      clearTimeout(timer);
    },
  };
}
