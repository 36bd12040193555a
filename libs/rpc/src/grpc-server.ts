import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { once } from 'node:events';
import type * as http2 from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { ScalarType, create, fromBinary, toBinary, type DescMessage, type DescMethod, type DescService } from '@bufbuild/protobuf';
import type { ServiceImpl } from '@connectrpc/connect';
import { context } from '@opentelemetry/api';
import { widenReceiveWindows } from '@weft/client/http2';
import type { Logger } from '@weft/telemetry';
import { createCallContext, type EndableHandlerContext } from './handler-context.js';
import { toConnectError } from './to-connect-error.js';
import { maxMessageBytes } from './limits.js';
import { startServerSpan } from './rpc-span.js';
import { serverCredentials, type InternalTlsPaths } from './internal-tls.js';

/** Options of {@link GrpcServer}. */
export interface GrpcServerOptions {
  /** Interface to bind; default 127.0.0.1. */
  readonly host?: string;
  /** Port to bind; 0 (default) lets the OS choose. */
  readonly port?: number;
  /** Logger for handler failures. */
  readonly log: Logger;
  /**
   * Runs before every handler with the call's signal; a rejection fails the call like a handler
   * error would. Test-mode fault injection plugs in here (`FaultInjector.beforeCall`).
   */
  readonly beforeCall?: (method: DescMethod, signal: AbortSignal) => Promise<void>;
  /**
   * Mutual TLS: serve TLS and require a client certificate signed by this CA. The files are
   * re-read periodically (grpc-js's file watcher), so renewals need no restart.
   */
  readonly tls?: InternalTlsPaths;
  /**
   * How long a peer may leave a keepalive ping unanswered before its connection is dropped, ms
   * (default 5000). The coordinator sets its node timeout here: a worker's registration stream then
   * ends for silence no sooner than COORDINATOR_NODE_TIMEOUT declares the worker lost, so one setting
   * says when a silent (frozen, partitioned) worker is given up, and a breaker or a backup attempt
   * can act before that.
   */
  readonly keepaliveTimeoutMs?: number;
}

type AnyImpl = (...args: unknown[]) => unknown;
type SurfaceCall = grpc.ServerUnaryCall<unknown, unknown> | grpc.ServerReadableStream<unknown, unknown> | grpc.ServerWritableStream<unknown, unknown> | grpc.ServerDuplexStream<unknown, unknown>;

/**
 * Serves Connect-style service implementations (`ServiceImpl`) over a grpc-js server. Weft's
 * internal services (coordinator registry, mapper, reducer) use it for the data plane: measured
 * here, a grpc-js server streams 3-6x more bytes per second than a connect-node one (see
 * TOOLCHAIN.md), while Connect clients speak gRPC to it unchanged. Handlers are the same
 * functions a Connect router would take, so unit tests run them through createRouterTransport.
 */
export class GrpcServer {
  private readonly server: grpc.Server;
  private readonly shutdown = new AbortController();
  private boundPort = -1;
  private readonly widened = new WeakSet<http2.Http2Session>();
  /**
   * Gives each connection to this server wide HTTP/2 receive windows on its first stream
   * (`widenReceiveWindows`), so uploads and input chunks streamed to it are not held to 64 KiB per
   * round trip. grpc-js has no option for a server's windows and keeps its sessions to itself, so
   * the sessions are found through Node's `http2.server.stream.created` diagnostics channel, by
   * this server's port.
   */
  private readonly onStreamCreated = (message: unknown): void => {
    const session = (message as { stream?: http2.ServerHttp2Stream }).stream?.session;
    if (!session || this.widened.has(session) || session.socket?.localPort !== this.boundPort) return;
    this.widened.add(session);
    widenReceiveWindows(session);
  };

  constructor(private readonly options: GrpcServerOptions) {
    this.server = new grpc.Server({
      'grpc.max_receive_message_length': maxMessageBytes,
      'grpc.max_send_message_length': maxMessageBytes,
      // Notice a silent peer (paused or partitioned) within seconds, not the TCP timeout.
      'grpc.keepalive_time_ms': 10_000,
      'grpc.keepalive_timeout_ms': options.keepaliveTimeoutMs ?? 5_000,
      'grpc.keepalive_permit_without_calls': 1,
      'grpc.http2.min_ping_interval_without_data_ms': 5_000,
    });
  }

  /** Registers a service. Methods missing from `impl` answer UNIMPLEMENTED. */
  add<S extends DescService>(service: S, impl: Partial<ServiceImpl<S>>): this {
    const definition: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
    const handlers: Record<string, grpc.UntypedHandleCall> = {};
    for (const method of service.methods) {
      const fn = (impl as Record<string, AnyImpl | undefined>)[method.localName];
      if (!fn) continue;
      definition[method.name] = {
        path: `/${service.typeName}/${method.name}`,
        requestStream: method.methodKind === 'client_streaming' || method.methodKind === 'bidi_streaming',
        responseStream: method.methodKind === 'server_streaming' || method.methodKind === 'bidi_streaming',
        requestSerialize: serializer(method.input),
        requestDeserialize: deserializer(method.input),
        responseSerialize: serializer(method.output),
        responseDeserialize: deserializer(method.output),
      };
      handlers[method.name] = this.handlerFor(service, method, fn.bind(impl));
    }
    this.server.addService(definition as grpc.ServiceDefinition, handlers);
    return this;
  }

  /** Binds and starts serving; resolves the bound port. */
  async listen(): Promise<number> {
    const host = this.options.host ?? '127.0.0.1';
    const address = host.includes(':') ? `[${host}]:${this.options.port ?? 0}` : `${host}:${this.options.port ?? 0}`;
    this.boundPort = await new Promise<number>((resolve, reject) => {
      this.server.bindAsync(address, this.options.tls ? serverCredentials(this.options.tls) : grpc.ServerCredentials.createInsecure(), (error, port) => (error ? reject(error) : resolve(port)));
    });
    subscribe('http2.server.stream.created', this.onStreamCreated);
    return this.boundPort;
  }

  /** The bound port (after listen). */
  get port(): number {
    return this.boundPort;
  }

  /**
   * Stops accepting calls, aborts every handler's signal, waits up to `graceMs` for calls to end,
   * then closes whatever is left.
   */
  async close(graceMs = 2_000): Promise<void> {
    unsubscribe('http2.server.stream.created', this.onStreamCreated);
    this.shutdown.abort(new Error('server shutting down'));
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, graceMs);
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private handlerFor(service: DescService, method: DescMethod, fn: AnyImpl): grpc.UntypedHandleCall {
    const { log, beforeCall } = this.options;
    const contextOf = (call: SurfaceCall): EndableHandlerContext => {
      const requestAbort = new AbortController();
      (call as grpc.ServerUnaryCall<unknown, unknown>).on('cancelled', () => requestAbort.abort(new Error('cancelled by the client')));
      const deadline = call.getDeadline();
      const deadlineMs = deadline instanceof Date ? deadline.getTime() : deadline;
      const timeoutMs = Number.isFinite(deadlineMs) ? Math.max(0, deadlineMs - Date.now()) : undefined;
      const requestHeader = new Headers();
      for (const [key, value] of Object.entries(call.metadata.getMap())) {
        if (typeof value === 'string') requestHeader.set(key, value);
      }
      return createCallContext({ service, method, timeoutMs, requestSignal: requestAbort.signal, shutdownSignal: this.shutdown.signal, requestHeader });
    };
    const statusOf = (error: unknown): Partial<grpc.StatusObject> => {
      const connectError = toConnectError(error);
      if (connectError.cause !== undefined && !(connectError.cause instanceof Error && connectError.cause.name === 'AbortError')) {
        log.debug({ err: connectError.cause, method: method.name }, 'handler failed');
      }
      return { code: connectError.code as number as grpc.status, details: connectError.rawMessage };
    };

    switch (method.methodKind) {
      case 'unary':
      case 'client_streaming':
        return (call: grpc.ServerUnaryCall<unknown, unknown> | grpc.ServerReadableStream<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
          const ctx = contextOf(call);
          const rpc = startServerSpan(service.typeName, method.name, ctx.requestHeader);
          const input = method.methodKind === 'unary' ? (call as grpc.ServerUnaryCall<unknown, unknown>).request : messagesOf(call as grpc.ServerReadableStream<unknown, unknown>);
          void context.with(rpc.context, () =>
            Promise.resolve()
              .then(() => beforeCall?.(method, ctx.signal))
              .then(() => fn(input, ctx))
              .then(
                (response) => {
                  rpc.end();
                  callback(null, response);
                },
                (error: unknown) => {
                  rpc.end(error);
                  callback(statusOf(error));
                },
              )
              .finally(() => ctx.abort()),
          );
        };
      case 'server_streaming':
      case 'bidi_streaming':
        return (call: grpc.ServerWritableStream<unknown, unknown> | grpc.ServerDuplexStream<unknown, unknown>) => {
          const ctx = contextOf(call);
          const rpc = startServerSpan(service.typeName, method.name, ctx.requestHeader);
          const input = method.methodKind === 'server_streaming' ? (call as grpc.ServerWritableStream<unknown, unknown>).request : messagesOf(call as grpc.ServerDuplexStream<unknown, unknown>);
          // Started inside the span's context, the async function (and the handler's generator it
          // drives) keeps that context across every await until the stream ends.
          void context.with(rpc.context, async () => {
            let failure: unknown;
            try {
              await beforeCall?.(method, ctx.signal);
              for await (const message of fn(input, ctx) as AsyncIterable<unknown>) {
                if (!call.write(message)) await drained(call, ctx.signal);
              }
              call.end();
            } catch (error) {
              failure = error;
              if (!call.cancelled) call.emit('error', statusOf(error));
            } finally {
              rpc.end(failure);
              ctx.abort();
            }
          });
        };
    }
  }
}

/** Waits for a stream's `drain`, or for the call to be aborted (a cancelled call never drains). */
async function drained(call: grpc.ServerWritableStream<unknown, unknown> | grpc.ServerDuplexStream<unknown, unknown>, signal: AbortSignal): Promise<void> {
  await once(call, 'drain', { signal });
}

async function* messagesOf(call: grpc.ServerReadableStream<unknown, unknown> | grpc.ServerDuplexStream<unknown, unknown>): AsyncIterable<unknown> {
  for await (const message of call) yield message;
}

/**
 * @internal The grpc-js serializer of `schema`'s messages (exported for its spec). A message of one
 * `bytes` field (a shuffle chunk) is encoded into a buffer the serializer reuses: the returned
 * Buffer is only valid until its next call. That is all grpc-js needs: its server copies the
 * serialized message into the framed one (`serializeMessage`) before it returns, and a server
 * only serializes responses. A fresh 1 MiB buffer per chunk cost page faults and garbage
 * collections on the mapper.
 */
export function serializer(schema: DescMessage): (value: unknown) => Buffer {
  const bytesOnly = soleBytesField(schema);
  if (bytesOnly) {
    const scratch = { buffer: Buffer.alloc(0) };
    return (value) => encodeSoleBytes(bytesOnly, value, scratch);
  }
  return (value) => {
    const bytes = toBinary(schema, create(schema, value as never));
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  };
}

/** The field of a message whose only field is a singular `bytes` one (a data chunk), else undefined. */
function soleBytesField(schema: DescMessage): { number: number; localName: string } | undefined {
  if (schema.fields.length !== 1) return undefined;
  const [field] = schema.fields;
  if (field?.fieldKind !== 'scalar' || field.scalar !== ScalarType.BYTES || field.oneof) return undefined;
  return { number: field.number, localName: field.localName };
}

/** Largest encoded chunk kept in a serializer's reusable buffer; larger ones get a buffer of their own. */
const scratchMaxBytes = 4 * 1024 * 1024;

/**
 * Encodes a message of one `bytes` field (the shuffle's chunks: StreamPartitionResponse) into an
 * exact-size view: tag, length, the bytes, in `scratch` (grown as needed) when it fits
 * {@link scratchMaxBytes}. `toBinary` grows its buffer from 128 bytes by doubling and copies the
 * result once more, which for 1 MiB chunks made the mapper's garbage collector its busiest part.
 * The output is byte-for-byte what `toBinary` writes.
 */
function encodeSoleBytes(field: { number: number; localName: string }, value: unknown, scratch: { buffer: Buffer }): Buffer {
  const data = (value as Record<string, unknown>)[field.localName];
  if (!(data instanceof Uint8Array) || data.byteLength === 0) return Buffer.alloc(0);
  const tag = (field.number << 3) | 2;
  const size = varintLength(tag) + varintLength(data.byteLength) + data.byteLength;
  let out: Buffer;
  if (size > scratchMaxBytes) out = Buffer.allocUnsafe(size);
  else {
    if (scratch.buffer.byteLength < size) scratch.buffer = Buffer.allocUnsafeSlow(size);
    out = scratch.buffer.subarray(0, size);
  }
  let at = writeVarint(out, 0, tag);
  at = writeVarint(out, at, data.byteLength);
  out.set(data, at);
  return out;
}

function varintLength(value: number): number {
  let length = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 128);
    length++;
  }
  return length;
}

function writeVarint(out: Buffer, at: number, value: number): number {
  while (value >= 0x80) {
    out[at++] = (value & 0x7f) | 0x80;
    value = Math.floor(value / 128);
  }
  out[at++] = value;
  return at;
}

function deserializer(schema: DescMessage): (bytes: Buffer) => unknown {
  return (bytes) => fromBinary(schema, bytes);
}
