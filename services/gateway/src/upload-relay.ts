import http2 from 'node:http2';
import { Code, ConnectError } from '@connectrpc/connect';
import type { Http2SessionManager } from '@connectrpc/connect-node';
import { context } from '@opentelemetry/api';
import { JobService } from '@weft/proto';
import { startClientSpan, startServerSpan, toConnectError } from '@weft/rpc';
import type { Admission } from './admission.js';
import type { Principal } from './auth-tokens.js';
import { UploadChecks } from './limits-interceptor.js';
import { identityHeaders } from './principal.js';
import type { RequestLimits } from './request-limits.js';
import { UploadFrames } from './upload-frames.js';

const service = JobService.typeName;
const method = JobService.method.uploadJob.name;
/** `service/method`, as the scopes table names it. */
const methodPath = `${service}/${method}`;
/** The HTTP/2 path of UploadJob. */
export const uploadJobPath = `/${methodPath}`;
/** Largest response the coordinator may send (one UploadJobResponse: a job id). */
const responseBytesMax = 64 * 1024;
/** gRPC's timeout header: up to 8 digits and a unit. */
const grpcTimeout = /^\d{1,8}[HMSmun]$/;

/** Options of {@link UploadRelay}. */
export interface UploadRelayOptions {
  /** The coordinator's HTTP/2 connection, shared with the gateway's other calls to it (TLS, pings). */
  readonly upstream: () => { readonly sessions: Http2SessionManager; readonly url: string };
  /** The caller of a method from its `authorization` header (undefined in development mode); throws UNAUTHENTICATED or PERMISSION_DENIED. */
  readonly authenticate: (methodPath: string, authorization: string | undefined) => Principal | undefined;
  readonly limits: RequestLimits;
  readonly admission: Admission;
}

/** The status a call ended with. */
interface Status {
  readonly code: number;
  /** As sent on the wire (percent-encoded). */
  readonly message: string;
}

/**
 * Relays gRPC UploadJob calls to the coordinator by passing their frames on, instead of decoding
 * every ~1 MiB chunk and encoding it again (which cost the gateway ~2 CPU-seconds per 256 MB
 * upload and the upload a third of its speed on 2 cores: see tools/bench/results/PROFILE.md).
 *
 * It does for these calls what the Connect stack does for the others: the SERVER and CLIENT spans
 * (with `traceparent` to the coordinator), authentication and the `submit` scope, admission, the
 * request limits (each message is checked before its bytes go on: {@link UploadFrames}), the
 * caller's deadline (`grpc-timeout` passed on), cancellation both ways, and the identity headers
 * (never the caller's own). The coordinator's status reaches the caller unchanged.
 *
 * Only gRPC over HTTP/2 with identity encoding is taken ({@link UploadRelay.takes}); Connect and
 * gRPC-Web uploads, and compressed ones, go through the Connect stack as before.
 */
export class UploadRelay {
  constructor(private readonly options: UploadRelayOptions) {}

  /** Whether the relay takes this request: a gRPC (protobuf) UploadJob over HTTP/2, not compressed. */
  takes(req: http2.Http2ServerRequest): boolean {
    if (req.method !== 'POST' || req.url !== uploadJobPath) return false;
    const type = req.headers['content-type'] ?? '';
    if (!/^application\/grpc(\+proto)?(;|$)/i.test(type)) return false;
    const encoding = req.headers['grpc-encoding'];
    return encoding === undefined || encoding === 'identity';
  }

  /** Answers `req` (one that {@link takes} accepted) with the coordinator's status or the gateway's refusal; never throws. */
  handle(req: http2.Http2ServerRequest, res: http2.Http2ServerResponse): void {
    void this.relay(req, res);
  }

  private async relay(req: http2.Http2ServerRequest, res: http2.Http2ServerResponse): Promise<void> {
    const incoming = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (!name.startsWith(':') && typeof value === 'string') incoming.set(name, value);
    }
    const serverSpan = startServerSpan(service, method, incoming);
    const cancel = new AbortController();
    let answered = false;
    const onGone = (): void => {
      if (!answered) cancel.abort(new ConnectError('the caller cancelled the upload', Code.Canceled));
    };
    res.once('close', onGone);
    try {
      const principal = this.options.authenticate(methodPath, req.headers.authorization);
      const deadline = deadlineOf(header(req, 'grpc-timeout'));
      const status = await context.with(serverSpan.context, () =>
        this.options.admission.run(() => this.forward(req, principal, deadline, cancel.signal), cancel.signal),
      );
      answered = true;
      answer(req, res, status, status.body);
      serverSpan.end(status.code === 0 ? undefined : new ConnectError(decodeMessage(status.message), status.code as Code));
    } catch (error) {
      const refusal = toConnectError(cancel.signal.aborted && !answered ? cancel.signal.reason : error);
      answered = true;
      answer(req, res, { code: refusal.code, message: encodeURIComponent(refusal.rawMessage) });
      serverSpan.end(refusal);
    } finally {
      res.off('close', onGone);
    }
  }

  /**
   * Streams the request to the coordinator and resolves with its status (and, on success, its
   * response message); rejects with the gateway's own refusal (the coordinator's call cancelled).
   */
  private async forward(req: http2.Http2ServerRequest, principal: Principal | undefined, deadline: number | undefined, signal: AbortSignal): Promise<Status & { body?: Buffer }> {
    signal.throwIfAborted();
    const { sessions, url } = this.options.upstream();
    const outgoing = new Headers({ 'content-type': 'application/grpc+proto', te: 'trailers', 'grpc-accept-encoding': 'identity', 'user-agent': 'weft-gateway' });
    // What is left of the caller's deadline (time queued for admission spent): the coordinator's timeout.
    if (deadline !== undefined) outgoing.set('grpc-timeout', grpcTimeoutOf(deadline - performance.now()));
    for (const [name, value] of Object.entries(identityHeaders(principal))) outgoing.set(name, value);
    const clientSpan = startClientSpan(service, method, outgoing, url);
    let upstream: http2.ClientHttp2Stream;
    try {
      upstream = await sessions.request('POST', uploadJobPath, Object.fromEntries(outgoing), { endStream: false });
    } catch (error) {
      const failure = new ConnectError(`the coordinator at ${url} is unavailable: ${error instanceof Error ? error.message : String(error)}`, Code.Unavailable);
      clientSpan.end(failure);
      throw failure;
    }
    if (signal.aborted) {
      upstream.close(http2.constants.NGHTTP2_CANCEL);
      clientSpan.end(signal.reason);
      throw signal.reason;
    }
    const frames = new UploadFrames(new UploadChecks(this.options.limits), this.options.limits.messageBytes);
    return new Promise((resolve, reject) => {
      let settled = false;
      const body: Buffer[] = [];
      let bodyBytes = 0;
      const onData = (data: Buffer): void => {
        let pieces: Uint8Array[];
        try {
          pieces = frames.push(data);
        } catch (error) {
          fail(error);
          return;
        }
        // The DATA frames of one socket read arrive in one tick: corked, they go on as one writev.
        if (!upstream.writableCorked) {
          upstream.cork();
          process.nextTick(() => upstream.uncork());
        }
        let open = true;
        for (const piece of pieces) open = upstream.write(piece);
        if (!open) {
          req.pause();
          upstream.once('drain', () => req.resume());
        }
      };
      const onEnd = (): void => {
        try {
          frames.end();
        } catch (error) {
          fail(error);
          return;
        }
        upstream.end();
      };
      const onAbort = (): void => fail(signal.reason);
      const cleanUp = (): void => {
        settled = true;
        req.off('data', onData);
        req.off('end', onEnd);
        signal.removeEventListener('abort', onAbort);
      };
      /** The gateway's refusal (or the caller's cancellation): the coordinator's call is cancelled. */
      const fail = (error: unknown): void => {
        if (settled) return;
        cleanUp();
        if (!upstream.closed) upstream.close(http2.constants.NGHTTP2_CANCEL);
        const failure = toConnectError(error);
        clientSpan.end(failure);
        reject(failure);
      };
      /** The coordinator's status, passed on as it is. */
      const finish = (status: Status): void => {
        if (settled) return;
        cleanUp();
        // An early answer (a refusal, trailers-only) while the request still streams: stop sending.
        if (!upstream.closed && !upstream.writableEnded) upstream.close(http2.constants.NGHTTP2_CANCEL);
        clientSpan.end(status.code === 0 ? undefined : new ConnectError(decodeMessage(status.message), status.code as Code));
        resolve(status.code === 0 ? { ...status, body: Buffer.concat(body) } : status);
      };
      const statusOf = (headers: http2.IncomingHttpHeaders): Status | undefined => {
        const code = headers['grpc-status'];
        if (code === undefined) return undefined;
        const message = headers['grpc-message'];
        return { code: Number(code), message: typeof message === 'string' ? message : '' };
      };

      signal.addEventListener('abort', onAbort, { once: true });
      upstream.on('response', (headers) => {
        const httpStatus = Number(headers[':status']);
        if (httpStatus !== 200) {
          const code = httpStatus === 502 || httpStatus === 503 || httpStatus === 504 ? Code.Unavailable : Code.Unknown;
          finish({ code, message: encodeURIComponent(`HTTP ${httpStatus} from the coordinator`) });
          return;
        }
        const status = statusOf(headers); // a trailers-only answer: the coordinator refused early
        if (status) finish(status);
      });
      upstream.on('data', (data: Buffer) => {
        sessions.notifyResponseByteRead(upstream);
        bodyBytes += data.length;
        if (bodyBytes > responseBytesMax) fail(new ConnectError(`the coordinator's UploadJob response exceeds ${responseBytesMax} bytes`, Code.Internal));
        else body.push(data);
      });
      upstream.on('trailers', (trailers) => {
        finish(statusOf(trailers) ?? { code: Code.Internal, message: encodeURIComponent('the coordinator ended the call without grpc-status') });
      });
      upstream.on('error', (error) => fail(new ConnectError(`the call to the coordinator at ${url} broke: ${error.message}`, Code.Unavailable)));
      upstream.on('close', () => fail(new ConnectError(`the coordinator at ${url} closed the call (HTTP/2 code ${upstream.rstCode ?? '?'})`, Code.Unavailable)));
      req.on('data', onData);
      req.on('end', onEnd);
    });
  }
}

/**
 * Answers the caller: the response message and OK in the trailers, or the status alone
 * (trailers-only). A caller still sending (refused early) is then told to stop, as gRPC servers
 * do: RST_STREAM with NO_ERROR once the answer is written.
 */
function answer(req: http2.Http2ServerRequest, res: http2.Http2ServerResponse, status: Status, body?: Buffer): void {
  if (res.headersSent || res.writableEnded || res.stream.destroyed) return;
  if (!req.readableEnded) {
    res.once('finish', () => {
      if (!res.stream.destroyed && !req.readableEnded) res.stream.close(http2.constants.NGHTTP2_NO_ERROR);
    });
  }
  if (status.code !== 0 || body === undefined) {
    res.writeHead(200, { 'content-type': 'application/grpc+proto', 'grpc-status': String(status.code), ...(status.message ? { 'grpc-message': status.message } : {}) });
    res.end();
    return;
  }
  res.writeHead(200, { 'content-type': 'application/grpc+proto' });
  res.addTrailers({ 'grpc-status': '0' });
  res.end(body);
}

const timeoutUnitsMs: Readonly<Record<string, number>> = { H: 3_600_000, M: 60_000, S: 1_000, m: 1, u: 1e-3, n: 1e-6 };

/** The deadline (`performance.now()` time) of a `grpc-timeout` header; throws INVALID_ARGUMENT when it is malformed. */
function deadlineOf(timeout: string | undefined): number | undefined {
  if (timeout === undefined) return undefined;
  if (!grpcTimeout.test(timeout)) throw new ConnectError(`protocol error: invalid grpc-timeout "${timeout.slice(0, 32)}"`, Code.InvalidArgument);
  return performance.now() + Number(timeout.slice(0, -1)) * timeoutUnitsMs[timeout.slice(-1)]!;
}

/** A `grpc-timeout` header of `ms` milliseconds (at least 1 ms; at most 8 digits). */
function grpcTimeoutOf(ms: number): string {
  const whole = Math.max(1, Math.ceil(ms));
  return whole < 1e8 ? `${whole}m` : `${Math.min(99_999_999, Math.ceil(whole / 1000))}S`;
}

/** One header of `req` (the first, should a client repeat it). */
function header(req: http2.Http2ServerRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** A `grpc-message` as text (it is percent-encoded on the wire). */
function decodeMessage(message: string): string {
  try {
    return decodeURIComponent(message);
  } catch {
    return message;
  }
}
