import { ROOT_CONTEXT, SpanStatusCode, context, isSpanContextValid, propagation, trace, type Context, type Span } from '@opentelemetry/api';
import { weftTracer } from '@weft/telemetry';

/** W3C trace context of one attempt, as it travels inside a batched RunScatterItems message. */
export interface ItemTraceContext {
  readonly traceparent: string;
  readonly tracestate: string;
}

/** How an item attempt ended, as its span records it. */
export type AttemptEnd =
  | { readonly kind: 'succeeded' }
  | { readonly kind: 'failed'; readonly code: string; readonly message: string }
  | { readonly kind: 'cancelled'; readonly reason: string };

/**
 * The spans of one Scatter call: one span per item attempt (`scatter item 7 attempt 2`), children
 * of the call's server span, so hedges show as a second attempt beside the first and the attempt
 * that lost is marked cancelled. Each attempt's context travels to the mapper inside the item.
 */
export class ScatterTracing {
  /** The Scatter handler's context (its server span), captured when the run starts. */
  readonly context: Context = context.active();

  /** The call's W3C trace id, or '' when its span is not recorded (tracing off or sampled out). */
  get traceId(): string {
    const span = trace.getSpan(this.context);
    const ids = span?.spanContext();
    return span?.isRecording() && ids && isSpanContextValid(ids) ? ids.traceId : '';
  }

  /** Starts an attempt's span; returns it with the context to send along. */
  startAttempt(index: number, attempt: number, nodeId: string, hedge: boolean): { span: Span; carrier: ItemTraceContext } {
    const span = weftTracer().startSpan(`scatter item ${index} attempt ${attempt}`, {
      attributes: { 'weft.scatter.item': index, 'weft.scatter.attempt': attempt, 'weft.node.id': nodeId, 'weft.scatter.hedge': hedge },
    }, this.context);
    if (hedge) span.addEvent('hedge', { 'weft.node.id': nodeId });
    const carrier: Record<string, string> = {};
    propagation.inject(trace.setSpan(ROOT_CONTEXT, span), carrier);
    return { span, carrier: { traceparent: carrier.traceparent ?? '', tracestate: carrier.tracestate ?? '' } };
  }

  /** Ends an attempt's span with its outcome. */
  endAttempt(span: Span, end: AttemptEnd): void {
    span.setAttribute('weft.scatter.outcome', end.kind);
    if (end.kind === 'failed') span.setStatus({ code: SpanStatusCode.ERROR, message: `${end.code}: ${end.message}` });
    if (end.kind === 'cancelled') {
      span.setAttribute('weft.scatter.cancelled', true);
      span.addEvent('cancelled', { 'weft.reason': end.reason });
    }
    span.end();
  }

  /** Adds an event to the call's span (a node refused a batch, a stream to a node broke). */
  event(name: string, attributes: Record<string, string | number>): void {
    trace.getSpan(this.context)?.addEvent(name, attributes);
  }

  /** Runs `fn` in the call's context (new streams to mappers become children of the call's span). */
  run<T>(fn: () => T): T {
    return context.with(this.context, fn);
  }
}
