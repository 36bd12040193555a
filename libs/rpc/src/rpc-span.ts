import { Code } from '@connectrpc/connect';
import { INVALID_SPAN_CONTEXT, ROOT_CONTEXT, SpanKind, SpanStatusCode, context, propagation, trace, type Attributes, type Context, type Counter, type Histogram, type Span, type TextMapGetter, type UpDownCounter } from '@opentelemetry/api';
import { secondsBuckets, weftMeter, weftTracer } from '@weft/telemetry';
import { toConnectError } from './to-connect-error.js';

const headerGetter: TextMapGetter<Headers> = {
  keys: (headers) => [...headers.keys()],
  get: (headers, key) => headers.get(key) ?? undefined,
};

/** Codes a SERVER span reports as an error (OpenTelemetry's gRPC semantic conventions): the server's fault, not the caller's. */
const serverErrorCodes = new Set<Code>([Code.Unknown, Code.DeadlineExceeded, Code.Unimplemented, Code.Internal, Code.Unavailable, Code.DataLoss]);

interface RpcInstruments {
  readonly duration: Histogram;
  readonly inFlight: UpDownCounter;
  readonly calls: Counter;
}
const instruments: Partial<Record<'client' | 'server', RpcInstruments>> = {};

/**
 * Services whose calls get metrics but no spans: health checks (kubelet probes, the coordinator's
 * breaker probes every second) would bury the jobs' traces under one trace per probe, and a
 * worker's registration stream lives as long as the worker (a span of hours, carrying no job).
 */
const untracedServices = new Set(['grpc.health.v1.Health', 'weft.cluster.v1.RegistryService']);

// Made on first use, not at import: the global meter provider is set by startTelemetry, after
// this module loaded, and instruments from the no-op provider stay no-ops forever.
function instrumentsOf(side: 'client' | 'server'): RpcInstruments {
  return (instruments[side] ??= {
    duration: weftMeter().createHistogram(`rpc.${side}.duration`, { unit: 's', description: `Duration of ${side === 'server' ? 'served' : 'outgoing'} RPCs, from start to the last message.`, advice: { explicitBucketBoundaries: [...secondsBuckets] } }),
    inFlight: weftMeter().createUpDownCounter(`rpc.${side}.in_flight`, { unit: '{call}', description: `RPCs ${side === 'server' ? 'being served' : 'in progress'} now.` }),
    calls: weftMeter().createCounter(`rpc.${side}.calls`, { unit: '{call}', description: 'RPCs finished, by method and status code.' }),
  });
}

/** One RPC's span plus its metrics, for both sides and both server stacks (and a relay that handles a call's frames itself). */
export interface RpcSpan {
  /** The context to run the call in: the span is active there. */
  readonly context: Context;
  /** Ends the span (ERROR status per the semantic conventions when `error` is given) and records the call's metrics. Idempotent. */
  end(error?: unknown): void;
}

/** `<package>.<Service>/<Method>` attributes of the RPC semantic conventions. */
function rpcAttributes(service: string, method: string): Attributes {
  return { 'rpc.system': 'grpc', 'rpc.service': service, 'rpc.method': method };
}

/**
 * Starts the SERVER span of an incoming call, as a child of the caller's span when the request
 * carries W3C `traceparent`/`tracestate` headers.
 */
export function startServerSpan(service: string, method: string, requestHeader: Headers): RpcSpan {
  const parent = propagation.extract(ROOT_CONTEXT, requestHeader, headerGetter);
  return startRpcSpan('server', service, method, parent, {});
}

/**
 * Starts the CLIENT span of an outgoing call as a child of the active span and injects its W3C
 * trace context into `requestHeader`.
 */
export function startClientSpan(service: string, method: string, requestHeader: Headers, url: string): RpcSpan {
  const target = URL.canParse(url) ? new URL(url) : undefined;
  const attributes: Attributes = target ? { 'server.address': target.hostname, 'server.port': Number(target.port) || 80 } : {};
  const rpc = startRpcSpan('client', service, method, context.active(), attributes);
  propagation.inject(rpc.context, requestHeader, { set: (headers, key, value) => headers.set(key, value) });
  return rpc;
}

function startRpcSpan(side: 'client' | 'server', service: string, method: string, parent: Context, extra: Attributes): RpcSpan {
  const metricAttributes = rpcAttributes(service, method);
  const span: Span = untracedServices.has(service)
    ? trace.wrapSpanContext(INVALID_SPAN_CONTEXT)
    : weftTracer().startSpan(`${service}/${method}`, { kind: side === 'server' ? SpanKind.SERVER : SpanKind.CLIENT, attributes: { ...metricAttributes, ...extra } }, parent);
  const started = performance.now();
  const meters = instrumentsOf(side);
  meters.inFlight.add(1, metricAttributes);
  let ended = false;
  return {
    context: trace.setSpan(parent, span),
    end(error?: unknown) {
      if (ended) return;
      ended = true;
      // 0 is gRPC's OK, which Connect's Code enum leaves out.
      const code: number = error === undefined ? 0 : toConnectError(error).code;
      span.setAttribute('rpc.grpc.status_code', code);
      if (error !== undefined && (side === 'client' || serverErrorCodes.has(code as Code))) {
        const connectError = toConnectError(error);
        span.recordException(connectError);
        span.setStatus({ code: SpanStatusCode.ERROR, message: `${Code[code]}: ${connectError.rawMessage}` });
      }
      span.end();
      const attributes = { ...metricAttributes, 'rpc.grpc.status_code': code };
      meters.inFlight.add(-1, metricAttributes);
      meters.duration.record((performance.now() - started) / 1000, attributes);
      meters.calls.add(1, attributes);
    },
  };
}

/**
 * Runs every step of `messages` inside `ctx` and ends `rpc` when the stream finishes, fails or
 * is abandoned: a stream's producer runs long after the interceptor returned, and its work must
 * still belong to the call's span. @internal
 */
export async function* traceStream<T>(messages: AsyncIterable<T>, rpc: RpcSpan): AsyncGenerator<T> {
  const iterator = messages[Symbol.asyncIterator]();
  let failure: unknown;
  try {
    for (;;) {
      const next = await context.with(rpc.context, () => iterator.next());
      if (next.done) return;
      yield next.value;
    }
  } catch (error) {
    failure = error;
    throw error;
  } finally {
    if (failure === undefined) await context.with(rpc.context, async () => iterator.return?.());
    rpc.end(failure);
  }
}
