import { ROOT_CONTEXT, SpanStatusCode, context, propagation, trace, type Span } from '@opentelemetry/api';
import type { ScatterItem } from '@weft/proto/cluster';
import { weftTracer } from '@weft/telemetry';

/** One attempt's span on the mapper; every method is safe to call more than once. */
export interface ItemSpan {
  /** Runs the attempt's work with its span active (logs and RPCs it makes join the trace). */
  run<T>(fn: () => Promise<T>): Promise<T>;
  /** The coordinator cancelled the attempt (a hedge won, the call ended): marked, then ended. */
  cancelled(): void;
  /** The attempt produced its outcome. */
  ended(outcome: { case: 'valueJson' | 'error' | undefined; value?: unknown } | undefined): void;
}

/**
 * Spans of the scatter attempts a mapper runs. A RunScatterItems stream carries many attempts of
 * one call, so each item brings its own W3C trace context (its coordinator attempt span), and the
 * mapper's span for it becomes that span's child.
 */
export class ScatterItemSpans {
  /** Starts the span of `item`, a child of the attempt span it names (a new root when it names none). */
  start(item: ScatterItem, functionName: string, executor: string): ItemSpan {
    const carrier: Record<string, string> = item.traceparent ? { traceparent: item.traceparent, tracestate: item.tracestate } : {};
    const parent = propagation.extract(ROOT_CONTEXT, carrier);
    const span: Span = weftTracer().startSpan(`run ${functionName}`, { attributes: { 'weft.scatter.function': functionName, 'weft.scatter.executor': executor } }, parent);
    const active = trace.setSpan(parent, span);
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      span.end();
    };
    return {
      run: (fn) => context.with(active, fn),
      cancelled() {
        if (done) return;
        span.setAttribute('weft.scatter.cancelled', true);
        span.addEvent('cancelled');
        finish();
      },
      ended(outcome) {
        if (done) return;
        if (outcome?.case === 'error') {
          const error = outcome.value as { code?: number; message?: string } | undefined;
          span.setStatus({ code: SpanStatusCode.ERROR, message: error?.message ?? 'failed' });
        }
        finish();
      },
    };
  }
}
