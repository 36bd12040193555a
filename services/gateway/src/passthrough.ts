import http2 from 'node:http2';
import type { DescMethod } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import type { Http2SessionManager } from '@connectrpc/connect-node';
// Connect's own gRPC rules, so a call reads the same on both paths: which content types are gRPC
// binary, what a grpc-timeout means (and the error for a malformed one), which code an HTTP status is.
import { codeFromHttpStatus, parseContentType, parseTimeout } from '@connectrpc/connect/protocol-grpc';
import { context } from '@opentelemetry/api';
import { JobService, ReadResultsRequestSchema } from '@weft/proto';
import { isLoopback, startClientSpan, startServerSpan, toConnectError, type RpcSpan } from '@weft/rpc';
import type { Admission } from './admission.js';
import type { Principal } from './auth-tokens.js';
import { CheckedFrames, decodeRequest, uploadFrameChecks, type FrameChecks } from './checked-frames.js';
import { UploadChecks } from './limits-interceptor.js';
import { identityHeaders } from './principal.js';
import { checkReadResults, type RequestLimits } from './request-limits.js';

/** One method the passthrough takes. */
interface Route {
  readonly method: DescMethod;
  /** Whether the call waits for an admission place (it creates work). */
  readonly admitted: boolean;
  /** Whether the Connect path could compress its responses (then a caller that accepts compression off loopback goes there). */
  readonly compressedResponses: boolean;
  /** The checks of one call's request messages. */
  checks(limits: RequestLimits): FrameChecks;
}

/**
 * The bulk calls: an upload's ~1 MiB chunks, and a job's results in ~1 MiB batches. Decoding each
 * message through Connect and encoding it again for the next hop cost the gateway ~2 CPU-seconds
 * per 256 MB upload, and a third of the upload's speed on 2 cores (tools/bench/results/PROFILE.md).
 */
const routes: readonly Route[] = [
  { method: JobService.method.uploadJob, admitted: true, compressedResponses: false, checks: (limits) => uploadFrameChecks(new UploadChecks(limits)) },
  {
    method: JobService.method.readResults,
    admitted: false,
    compressedResponses: true,
    checks: (limits) => ({ streams: () => false, whole: (message) => checkReadResults(decodeRequest(ReadResultsRequestSchema, message), limits) }),
  },
];
const routeByPath = new Map(routes.map((route) => [`/${route.method.parent.typeName}/${route.method.name}`, route]));

/** Options of {@link Passthrough}. */
export interface PassthroughOptions {
  /** The coordinator's HTTP/2 connection, shared with the gateway's other calls to it (TLS, pings). */
  readonly upstream: () => { readonly sessions: Http2SessionManager; readonly url: string };
  /** The caller of a method (`service/method`) from its `authorization` header (undefined in development mode); throws UNAUTHENTICATED or PERMISSION_DENIED. */
  readonly authenticate: (methodPath: string, authorization: string | undefined) => Principal | undefined;
  readonly limits: RequestLimits;
  readonly admission: Admission;
  /** GATEWAY_RESPONSE_COMPRESSION: when the Connect path would compress a response, that path takes the call. */
  readonly responseCompression: 'remote' | 'always' | 'never';
}


/**
 * Relays the bulk calls (UploadJob, ReadResults) to the coordinator by passing their gRPC frames
 * on, instead of decoding every message and encoding it again.
 *
 * It does for these calls what the Connect stack does for the others: the SERVER and CLIENT spans
 * (with `traceparent` to the coordinator) and RPC metrics, authentication and the method's scope,
 * admission for UploadJob, the request limits (each request message is checked before its bytes
 * go on: {@link CheckedFrames}), the caller's remaining deadline (`grpc-timeout`), cancellation
 * both ways, flow control both ways, and the identity headers (never the caller's own). The
 * coordinator's answer reaches the caller unchanged, status and messages.
 *
 * Only gRPC over HTTP/2 with identity encoding is taken ({@link Passthrough.takes}), and
 * ReadResults only when the Connect path would not compress the answer either; Connect and
 * gRPC-Web calls, and compressed ones, go through the Connect stack as before.
 */
export class Passthrough {
  constructor(private readonly options: PassthroughOptions) {}

  /** Whether the passthrough takes this request (see the class). */
  takes(req: http2.Http2ServerRequest): boolean {
    if (req.method !== 'POST') return false;
    const route = routeByPath.get(req.url);
    if (!route) return false;
    if (parseContentType(header(req, 'content-type') ?? null)?.binary !== true) return false;
    const encoding = header(req, 'grpc-encoding');
    if (encoding !== undefined && encoding !== 'identity') return false;
    return !(route.compressedResponses && this.wouldCompress(req));
  }

  /** Answers `req` (one {@link Passthrough.takes} took) with the coordinator's answer or the gateway's refusal; never throws. */
  handle(req: http2.Http2ServerRequest, res: http2.Http2ServerResponse): void {
    void this.relay(routeByPath.get(req.url)!, req, res);
  }

  /** Whether the Connect path would compress a response to `req` (see connect-server.ts). */
  private wouldCompress(req: http2.Http2ServerRequest): boolean {
    const mode = this.options.responseCompression;
    if (mode === 'never' || (mode === 'remote' && isLoopback(req.socket?.remoteAddress))) return false;
    const accepted = header(req, 'grpc-accept-encoding') ?? '';
    return /\b(gzip|br)\b/i.test(accepted);
  }

  private async relay(route: Route, req: http2.Http2ServerRequest, res: http2.Http2ServerResponse): Promise<void> {
    const service = route.method.parent.typeName;
    const incoming = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (!name.startsWith(':') && typeof value === 'string') incoming.set(name, value);
    }
    const serverSpan = startServerSpan(service, route.method.name, incoming);
    const cancel = new AbortController();
    let ended = false;
    const onGone = (): void => {
      if (!ended) cancel.abort(new ConnectError('the caller cancelled the call', Code.Canceled));
    };
    res.once('close', onGone);
    try {
      const principal = this.options.authenticate(`${service}/${route.method.name}`, header(req, 'authorization'));
      const deadline = deadlineOf(header(req, 'grpc-timeout'));
      const call = (): Promise<Status> => this.forward(route, req, res, principal, deadline, cancel.signal);
      const status = await context.with(serverSpan.context, () => (route.admitted ? this.options.admission.run(call, cancel.signal) : call()));
      ended = true;
      serverSpan.end(status.code === 0 ? undefined : new ConnectError(decodeMessage(status.message), status.code as Code));
    } catch (error) {
      const refusal = toConnectError(cancel.signal.aborted && !ended ? cancel.signal.reason : error);
      ended = true;
      answer(req, res, { code: refusal.code, message: encodeURIComponent(refusal.rawMessage) });
      serverSpan.end(refusal);
    } finally {
      res.off('close', onGone);
    }
  }

  /**
   * Streams the request to the coordinator and its answer back; resolves with the coordinator's
   * status once it is passed on, rejects with the gateway's own refusal (the coordinator's call
   * cancelled; the caller not yet answered).
   */
  private async forward(route: Route, req: http2.Http2ServerRequest, res: http2.Http2ServerResponse, principal: Principal | undefined, deadline: number | undefined, signal: AbortSignal): Promise<Status> {
    signal.throwIfAborted();
    const { sessions, url } = this.options.upstream();
    const path = `/${route.method.parent.typeName}/${route.method.name}`;
    const outgoing = new Headers({ 'content-type': 'application/grpc+proto', te: 'trailers', 'grpc-accept-encoding': 'identity', 'user-agent': 'weft-gateway' });
    // What is left of the caller's deadline (time queued for admission spent): the coordinator's timeout.
    if (deadline !== undefined) outgoing.set('grpc-timeout', grpcTimeoutOf(deadline - performance.now()));
    for (const [name, value] of Object.entries(identityHeaders(principal))) outgoing.set(name, value);
    const clientSpan = startClientSpan(route.method.parent.typeName, route.method.name, outgoing, url);
    let upstream: http2.ClientHttp2Stream;
    try {
      upstream = await sessions.request('POST', path, Object.fromEntries(outgoing), { endStream: false });
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
    return new Call(route, this.options.limits, req, res, upstream, sessions, url, clientSpan, signal).done;
  }
}

/** The status a call ended with. */
interface Status {
  readonly code: number;
  /** As sent on the wire (percent-encoded). */
  readonly message: string;
}

/** One call in flight: the request's checked frames upstream, the coordinator's answer back. */
class Call {
  readonly done: Promise<Status>;
  private settled = false;
  private trailerStatus: Status | undefined;
  private resolve!: (status: Status) => void;
  private reject!: (error: unknown) => void;
  private readonly frames: CheckedFrames;
  private readonly onAbort = (): void => this.fail(this.signal.reason);
  private readonly onRequestData = (data: Buffer): void => this.requestData(data);
  private readonly onRequestEnd = (): void => this.requestEnd();

  constructor(
    route: Route,
    limits: RequestLimits,
    private readonly req: http2.Http2ServerRequest,
    private readonly res: http2.Http2ServerResponse,
    private readonly upstream: http2.ClientHttp2Stream,
    private readonly sessions: Http2SessionManager,
    private readonly url: string,
    private readonly clientSpan: RpcSpan,
    private readonly signal: AbortSignal,
  ) {
    this.done = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.frames = new CheckedFrames(route.checks(limits), limits.messageBytes);
    signal.addEventListener('abort', this.onAbort, { once: true });
    upstream.on('response', (headers) => this.response(headers));
    upstream.on('data', (data: Buffer) => this.responseData(data));
    // Trailers may arrive while passed-on data still waits in the paused stream: the status goes
    // on at the end of the data.
    upstream.on('trailers', (trailers) => (this.trailerStatus = statusOf(trailers)));
    upstream.on('end', () => this.finish(this.trailerStatus ?? { code: Code.Internal, message: encodeURIComponent('the coordinator ended the call without grpc-status') }));
    upstream.on('error', (error) => this.fail(new ConnectError(`the call to the coordinator at ${url} broke: ${error.message}`, Code.Unavailable)));
    upstream.on('close', () => this.fail(new ConnectError(`the coordinator at ${url} closed the call (HTTP/2 code ${upstream.rstCode ?? '?'})`, Code.Unavailable)));
    req.on('data', this.onRequestData);
    req.on('end', this.onRequestEnd);
  }

  private requestData(data: Buffer): void {
    let pieces: Uint8Array[];
    try {
      pieces = this.frames.push(data);
    } catch (error) {
      this.fail(error);
      return;
    }
    let open = true;
    for (const piece of pieces) open = this.upstream.write(piece);
    if (!open) {
      this.req.pause();
      this.upstream.once('drain', () => this.req.resume());
    }
  }

  private requestEnd(): void {
    try {
      this.frames.end();
    } catch (error) {
      this.fail(error);
      return;
    }
    this.upstream.end();
  }

  private response(headers: http2.IncomingHttpHeaders): void {
    const httpStatus = Number(headers[':status']);
    if (httpStatus !== 200) {
      this.finish({ code: codeFromHttpStatus(httpStatus), message: encodeURIComponent(`HTTP ${httpStatus} from the coordinator`) });
      return;
    }
    const status = statusOf(headers); // a trailers-only answer: the coordinator refused at once
    if (status) this.finish(status);
    else if (!this.res.headersSent && !this.res.stream.destroyed) this.res.writeHead(200, { 'content-type': 'application/grpc+proto' });
  }

  private responseData(data: Buffer): void {
    this.sessions.notifyResponseByteRead(this.upstream);
    if (this.settled || this.res.stream.destroyed) return;
    if (!this.res.write(data)) {
      this.upstream.pause();
      this.res.once('drain', () => this.upstream.resume());
    }
  }

  private cleanUp(): void {
    this.settled = true;
    this.req.off('data', this.onRequestData);
    this.req.off('end', this.onRequestEnd);
    this.signal.removeEventListener('abort', this.onAbort);
  }

  /** The coordinator's status: passed on as it is. */
  private finish(status: Status): void {
    if (this.settled) return;
    this.cleanUp();
    // An early answer (a refusal, trailers-only) while the request still streams: stop sending.
    if (!this.upstream.closed && !this.upstream.writableEnded) this.upstream.close(http2.constants.NGHTTP2_CANCEL);
    this.clientSpan.end(status.code === 0 ? undefined : new ConnectError(decodeMessage(status.message), status.code as Code));
    answer(this.req, this.res, status);
    this.resolve(status);
  }

  /** The gateway's refusal (or the caller's cancellation): the coordinator's call is cancelled. */
  private fail(error: unknown): void {
    if (this.settled) return;
    this.cleanUp();
    if (!this.upstream.closed) this.upstream.close(http2.constants.NGHTTP2_CANCEL);
    const failure = toConnectError(error);
    this.clientSpan.end(failure);
    this.reject(failure);
  }
}

function statusOf(headers: http2.IncomingHttpHeaders): Status | undefined {
  const code = headers['grpc-status'];
  if (code === undefined) return undefined;
  const message = headers['grpc-message'];
  return { code: Number(code), message: typeof message === 'string' ? message : '' };
}

/**
 * Ends the answer with `status`: in the trailers after whatever was passed on, or alone
 * (trailers-only) when nothing was. A caller still sending (refused early) is then told to stop,
 * as gRPC servers do: RST_STREAM with NO_ERROR once the answer is written.
 */
function answer(req: http2.Http2ServerRequest, res: http2.Http2ServerResponse, status: Status): void {
  if (res.writableEnded || res.stream.destroyed) return;
  if (!req.readableEnded) {
    res.once('finish', () => {
      if (!res.stream.destroyed && !req.readableEnded) res.stream.close(http2.constants.NGHTTP2_NO_ERROR);
    });
  }
  const trailers = { 'grpc-status': String(status.code), ...(status.message ? { 'grpc-message': status.message } : {}) };
  if (res.headersSent) {
    res.addTrailers(trailers);
  } else {
    res.writeHead(200, { 'content-type': 'application/grpc+proto', ...trailers });
  }
  res.end();
}

/** The deadline (`performance.now()` time) of a `grpc-timeout` header; throws INVALID_ARGUMENT when it is malformed, as the Connect path does. */
function deadlineOf(timeout: string | undefined): number | undefined {
  const parsed = parseTimeout(timeout ?? null, Number.MAX_SAFE_INTEGER);
  if (parsed.error) throw parsed.error;
  return parsed.timeoutMs === undefined ? undefined : performance.now() + parsed.timeoutMs;
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
