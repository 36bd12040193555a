import { SpanKind, SpanStatusCode, context, isSpanContextValid, trace, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { messageOf } from '@weft/errors';

/** Name of the instrumentation scope of every Weft span and metric. */
export const instrumentationScope = 'weft';

/** The tracer every Weft span comes from: the API's no-op tracer until `startTelemetry` turns tracing on. */
export function weftTracer(): Tracer {
  return trace.getTracer(instrumentationScope, '0.1.0');
}

/** Marks `span` failed: ERROR status with the error's message, and the exception as an event. */
export function recordFailure(span: Span, error: unknown): void {
  const err = error instanceof Error ? error : new Error(String(error));
  span.recordException(err);
  span.setStatus({ code: SpanStatusCode.ERROR, message: messageOf(error) });
}

/**
 * Runs `fn` inside a new INTERNAL span (a child of the active one), ending it when `fn` settles;
 * a throw or rejection marks the span failed and is re-thrown.
 */
export function withSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => T): T {
  return weftTracer().startActiveSpan(name, { kind: SpanKind.INTERNAL, attributes }, (span) => {
    const fail = (error: unknown): never => {
      recordFailure(span, error);
      span.end();
      throw error;
    };
    let result: T;
    try {
      result = fn(span);
    } catch (error) {
      return fail(error);
    }
    if (result instanceof Promise) {
      return result.then((value: unknown) => {
        span.end();
        return value;
      }, fail) as T;
    }
    span.end();
    return result;
  });
}

/**
 * Records work that ran on another thread as a finished child of the active span, with the
 * thread's own start and end (epoch milliseconds, sub-millisecond precision). OpenTelemetry's
 * context does not follow work into worker_threads, and an SDK inside a worker never exports,
 * so the worker reports its times and the main thread writes the span.
 */
export function recordThreadSpan(name: string, startedMs: number, endedMs: number, attributes: Attributes, parent: Context = context.active()): void {
  if (!startedMs || !endedMs) return;
  // The thread's times are timeOrigin + performance.now() (monotonic since the thread began), while
  // the SDK dates spans from Date.now() at their start: the wall clock may have been adjusted since.
  // Shift by the same offset the SDK applies to its own spans, so parent and child share one clock.
  const offset = Date.now() - (performance.timeOrigin + performance.now());
  const span = weftTracer().startSpan(name, { kind: SpanKind.INTERNAL, startTime: startedMs + offset, attributes: { 'thread.name': 'piscina-worker', ...attributes } }, parent);
  span.end(endedMs + offset);
}

/** `trace_id`/`span_id` of the active span, for log lines; empty when no span is recording. */
export function activeTraceFields(): { trace_id?: string; span_id?: string } {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const ids = span.spanContext();
  return isSpanContextValid(ids) ? { trace_id: ids.traceId, span_id: ids.spanId } : {};
}

/** The W3C trace id of the active span, or '' when there is none. */
export function activeTraceId(): string {
  return activeTraceFields().trace_id ?? '';
}
