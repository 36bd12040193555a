import http2 from 'node:http2';
import { create, toBinary } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { weftTracer } from '@weft/telemetry';
import { MapperService, StreamPartitionRequestSchema, type StreamPartitionRequest } from '@weft/proto/cluster';

/**
 * HTTP/2 receive windows of the sessions: one stream may use the whole connection's 16 MiB (the
 * Connect client's are 4 MiB per stream), so a partition fetched from one map output alone is not
 * held to 4 MiB per round trip (a ~10% shorter fetch of 35 MB, interleaved A/B), while what a
 * mapper can have in flight to this reducer stays 16 MiB however many streams it serves.
 */
const streamWindowBytes = 16 * 1024 * 1024;
const sessionWindowBytes = 16 * 1024 * 1024;
/** Pieces queued before the stream is paused (a consumer that writes to a spill file may be slower than the network). */
const queuedPiecesMax = 4;
const path = `/${MapperService.typeName}/${MapperService.method.streamPartition.name}`;

/**
 * A StreamPartition client for plain-HTTP/2 (h2c) mappers that reads the gRPC response itself:
 * each message's bytes are copied once, from the HTTP/2 chunks into a buffer of that message, and
 * its `data` field is yielded as a view there (the only view into that buffer, so a reduce task can
 * move it to a worker thread as is). Connect's client does the same copy, but passes every ~16 KiB
 * chunk through a pipeline of web streams and async generators first, which cost the reducer's
 * main thread more CPU than the bytes themselves (see the README). Errors are ConnectErrors with
 * the call's gRPC status (UNAVAILABLE for a broken connection), as Connect's client would raise, so
 * retry policies and failure reports are unchanged. One session per mapper address, kept while it
 * works; `close()` ends them.
 */
export class PartitionStreams {
  private readonly sessions = new Map<string, http2.ClientHttp2Session>();

  /** @param options.stallMs a call aborted (timed out, say) after this long without a byte drops its session (default 5 s). */
  constructor(private readonly options: { stallMs?: number } = {}) {}

  /** Open sessions (one per mapper address in use). */
  get sessionCount(): number {
    return this.sessions.size;
  }

  /** The pieces of one partition of one map output (`data` of each StreamPartitionResponse, in order). */
  async *stream(address: string, request: Pick<StreamPartitionRequest, 'jobId' | 'taskId' | 'attempt' | 'partition'>, signal: AbortSignal): AsyncGenerator<Uint8Array> {
    signal.throwIfAborted();
    const body = toBinary(StreamPartitionRequestSchema, create(StreamPartitionRequestSchema, request));
    const frame = new Uint8Array(5 + body.byteLength);
    new DataView(frame.buffer).setUint32(1, body.byteLength);
    frame.set(body, 5);
    const headers: http2.OutgoingHttpHeaders = { ':method': 'POST', ':path': path, 'content-type': 'application/grpc+proto', te: 'trailers', 'grpc-accept-encoding': 'identity' };
    // The CLIENT span Connect's tracing interceptor would open; its traceparent goes to the mapper.
    const target = URL.canParse(address) ? new URL(address) : undefined;
    const span = weftTracer().startSpan(`${MapperService.typeName}/${MapperService.method.streamPartition.name}`, {
      kind: SpanKind.CLIENT,
      attributes: { 'rpc.system': 'grpc', 'rpc.service': MapperService.typeName, 'rpc.method': MapperService.method.streamPartition.name, ...(target ? { 'server.address': target.hostname, 'server.port': Number(target.port) || 80 } : {}) },
    });
    propagation.inject(trace.setSpan(context.active(), span), headers);

    const call = new Call(signal);
    let failure: ConnectError | undefined;
    let stream: http2.ClientHttp2Stream | undefined;
    try {
      try {
        stream = this.session(address).request(headers, { endStream: false });
      } catch (error) {
        throw unavailable(address, error);
      }
      call.attach(stream, address);
      stream.end(frame);
      for (;;) {
        const piece = await call.next();
        if (piece === undefined) return;
        yield piece;
      }
    } catch (error) {
      failure = ConnectError.from(error);
      // A call aborted (timed out, say) after a long silence may sit on a connection that is dead
      // without an error (a cut link): drop the session, so a retry connects afresh.
      if (signal.aborted && performance.now() - call.lastActivity > (this.options.stallMs ?? 5_000)) this.drop(address);
      throw error;
    } finally {
      call.detach();
      if (stream && !stream.closed) stream.close(http2.constants.NGHTTP2_CANCEL);
      span.setAttribute('rpc.grpc.status_code', failure ? failure.code : 0);
      if (failure) {
        span.recordException(failure);
        span.setStatus({ code: SpanStatusCode.ERROR, message: `${Code[failure.code]}: ${failure.rawMessage}` });
      }
      span.end();
    }
  }

  /** Closes every session (calls in flight fail as UNAVAILABLE). */
  close(): void {
    for (const session of this.sessions.values()) session.destroy();
    this.sessions.clear();
  }

  private drop(address: string): void {
    this.sessions.get(address)?.destroy();
    this.sessions.delete(address);
  }

  private session(address: string): http2.ClientHttp2Session {
    const known = this.sessions.get(address);
    if (known && !known.closed && !known.destroyed) return known;
    const url = new URL(address);
    if (url.protocol !== 'http:') throw new RangeError(`PartitionStreams reads h2c mappers only, got ${address}`);
    const session = http2.connect(url, { settings: { initialWindowSize: streamWindowBytes } });
    const forget = (): void => {
      if (this.sessions.get(address) === session) this.sessions.delete(address);
    };
    session.on('error', forget);
    session.on('goaway', forget);
    session.on('close', forget);
    session.once('connect', () => {
      try {
        session.setLocalWindowSize(sessionWindowBytes);
      } catch {
        // The session is going away already.
      }
    });
    session.unref(); // an idle session does not keep the process alive
    this.sessions.set(address, session);
    return session;
  }
}

/**
 * One call's response: gRPC frames parsed from the HTTP/2 chunks into complete messages, their
 * `data` queued for the reader, and the status from the trailers (or headers, trailers-only).
 */
class Call {
  /** When the call last received anything (performance.now()). */
  lastActivity = performance.now();
  private readonly pieces: Uint8Array[] = [];
  private failure: ConnectError | undefined;
  private done = false;
  private wake: (() => void) | undefined;
  private stream: http2.ClientHttp2Stream | undefined;
  private status: { code: number; message: string } | undefined;
  // Frame parsing state: the 5-byte header, then the message.
  private readonly header = new Uint8Array(5);
  private headerFilled = 0;
  private message: Uint8Array | undefined;
  private messageFilled = 0;
  private readonly onAbort = (): void => this.fail(this.abortError());

  constructor(private readonly signal: AbortSignal) {
    signal.addEventListener('abort', this.onAbort, { once: true });
  }

  attach(stream: http2.ClientHttp2Stream, address: string): void {
    this.stream = stream;
    stream.on('response', (headers) => {
      const status = Number(headers[':status']);
      if (status !== 200) this.fail(new ConnectError(`HTTP ${status} from ${address}`, status === 503 || status === 502 || status === 504 ? Code.Unavailable : Code.Unknown));
      else this.readStatus(headers); // trailers-only responses carry the status here
    });
    stream.on('trailers', (trailers) => this.readStatus(trailers));
    stream.on('data', (chunk: Buffer) => this.onData(chunk));
    stream.on('end', () => this.onEnd());
    stream.on('error', (error) => this.fail(unavailable(address, error)));
    stream.on('close', () => {
      if (!this.done) this.fail(new ConnectError(`stream from ${address} closed (HTTP/2 code ${stream.rstCode ?? '?'})`, Code.Unavailable));
    });
  }

  detach(): void {
    this.signal.removeEventListener('abort', this.onAbort);
  }

  /** The next piece, undefined at the end of a successful call; rejects with the call's error. */
  async next(): Promise<Uint8Array | undefined> {
    for (;;) {
      const piece = this.pieces.shift();
      if (piece !== undefined) {
        if (this.pieces.length < queuedPiecesMax / 2 && this.stream?.isPaused()) this.stream.resume();
        return piece;
      }
      if (this.failure) throw this.failure;
      if (this.done) return undefined;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private fail(error: ConnectError): void {
    if (this.done || this.failure) return;
    this.failure = error;
    this.pieces.length = 0;
    if (this.stream && !this.stream.closed) this.stream.close(http2.constants.NGHTTP2_CANCEL);
    this.notify();
  }

  private abortError(): ConnectError {
    const reason: unknown = this.signal.reason;
    return reason instanceof ConnectError ? reason : new ConnectError(reason instanceof Error ? reason.message : 'the fetch was cancelled', Code.Canceled, undefined, undefined, reason);
  }

  private readStatus(headers: http2.IncomingHttpHeaders): void {
    const code = headers['grpc-status'];
    if (code === undefined) return;
    const raw = headers['grpc-message'];
    let message = typeof raw === 'string' ? raw : '';
    try {
      message = decodeURIComponent(message);
    } catch {
      // Not percent-encoded: keep it as sent.
    }
    this.status = { code: Number(code), message };
  }

  private onEnd(): void {
    if (this.failure || this.done) return;
    if (this.message !== undefined || this.headerFilled > 0) return this.fail(new ConnectError('the stream ended inside a message', Code.DataLoss));
    const status = this.status;
    if (!status) return this.fail(new ConnectError('the stream ended without a gRPC status', Code.Unknown));
    if (status.code !== 0) return this.fail(new ConnectError(status.message, Number.isInteger(status.code) && status.code > 0 && status.code <= 16 ? (status.code as Code) : Code.Unknown));
    this.done = true;
    this.notify();
  }

  private onData(chunk: Uint8Array): void {
    if (this.failure) return;
    this.lastActivity = performance.now();
    let at = 0;
    while (at < chunk.byteLength) {
      if (this.message === undefined) {
        const take = Math.min(5 - this.headerFilled, chunk.byteLength - at);
        this.header.set(chunk.subarray(at, at + take), this.headerFilled);
        this.headerFilled += take;
        at += take;
        if (this.headerFilled < 5) return;
        if (this.header[0] !== 0) return this.fail(new ConnectError('a compressed message, though none was accepted', Code.Internal));
        const length = new DataView(this.header.buffer).getUint32(1);
        this.headerFilled = 0;
        this.message = new Uint8Array(length);
        this.messageFilled = 0;
      }
      const message = this.message;
      const take = Math.min(message.byteLength - this.messageFilled, chunk.byteLength - at);
      message.set(chunk.subarray(at, at + take), this.messageFilled);
      this.messageFilled += take;
      at += take;
      if (this.messageFilled === message.byteLength) {
        this.message = undefined;
        let data: Uint8Array;
        try {
          data = dataOf(message);
        } catch (error) {
          return this.fail(new ConnectError(`a StreamPartitionResponse could not be parsed: ${(error as Error).message}`, Code.Internal));
        }
        if (data.byteLength > 0) this.pieces.push(data);
      }
    }
    if (this.pieces.length >= queuedPiecesMax) this.stream?.pause();
    this.notify();
  }
}

/**
 * The `data` field (1, bytes) of an encoded StreamPartitionResponse, as a view into `message`; other
 * fields (a newer mapper's) are skipped by wire type. The last `data` wins, as in protobuf.
 */
export function dataOf(message: Uint8Array): Uint8Array {
  let data: Uint8Array = new Uint8Array(0);
  let at = 0;
  const varint = (): number => {
    let value = 0;
    let scale = 1;
    for (;;) {
      if (at >= message.byteLength) throw new RangeError('truncated varint');
      const byte = message[at++]!;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 128;
      if (scale > 2 ** 63) throw new RangeError('varint too long');
    }
  };
  while (at < message.byteLength) {
    const tag = varint();
    const field = Math.floor(tag / 8);
    switch (tag & 7) {
      case 0:
        varint();
        break;
      case 1:
        at += 8;
        break;
      case 2: {
        const length = varint();
        if (at + length > message.byteLength) throw new RangeError('truncated field');
        if (field === 1) data = message.subarray(at, at + length);
        at += length;
        break;
      }
      case 5:
        at += 4;
        break;
      default:
        throw new RangeError(`unsupported wire type ${tag & 7}`);
    }
    if (at > message.byteLength) throw new RangeError('truncated field');
  }
  return data;
}

function unavailable(address: string, error: unknown): ConnectError {
  return new ConnectError(`cannot read from ${address}: ${error instanceof Error ? error.message : String(error)}`, Code.Unavailable, undefined, undefined, error);
}
