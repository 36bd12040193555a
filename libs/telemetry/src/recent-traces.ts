import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';

/** Options of {@link RecentTraces}. */
export interface RecentTracesOptions {
  /** The attribute whose value names a kept trace, e.g. `weft.job.id` on a job's span. */
  readonly keyAttribute: string;
  /** How many traces are kept; the oldest is forgotten when one more starts. */
  readonly maxTraces: number;
  /** Spans kept per trace; later ones are counted in `dropped` instead. Default 10,000. */
  readonly maxSpansPerTrace?: number;
}

/** The kept spans of one trace. */
export interface KeptTrace {
  /** W3C trace id. */
  readonly traceId: string;
  /** The trace's spans seen by this process, running and ended, ordered by start time. */
  readonly spans: readonly ReadableSpan[];
  /** Spans left out because the trace reached `maxSpansPerTrace`. */
  readonly dropped: number;
}

interface Entry {
  readonly traceId: string;
  readonly spans: Map<string, ReadableSpan>;
  dropped: number;
}

/**
 * A span processor that keeps, in memory, the spans of the most recent traces that carry a key
 * attribute (the coordinator keeps each job's trace under `weft.job.id`, for GetJobTrace). A trace
 * is kept from the span that first carries the key; spans of that trace that started earlier are
 * added when they end (the SubmitJob server span that parents the job span, for one). Running
 * spans are kept as live references, so a reader sees them with `ended` false until they end.
 * Memory is bounded by `maxTraces` x `maxSpansPerTrace`.
 */
export class RecentTraces implements SpanProcessor {
  private readonly byKey = new Map<string, Entry>();
  private readonly byTrace = new Map<string, Entry>();
  private readonly maxSpans: number;

  constructor(private readonly options: RecentTracesOptions) {
    if (!Number.isInteger(options.maxTraces) || options.maxTraces < 1) throw new RangeError(`maxTraces must be a positive integer, got ${options.maxTraces}`);
    this.maxSpans = options.maxSpansPerTrace ?? 10_000;
  }

  /** The kept trace of `key`, or undefined when it was never seen or has been forgotten. */
  trace(key: string): KeptTrace | undefined {
    const entry = this.byKey.get(key);
    if (!entry) return undefined;
    const spans = [...entry.spans.values()].sort((a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1]);
    return { traceId: entry.traceId, spans, dropped: entry.dropped };
  }

  onStart(span: Span, _parentContext: Context): void {
    const { traceId } = span.spanContext();
    let entry = this.byTrace.get(traceId);
    const key = span.attributes[this.options.keyAttribute];
    if (!entry && typeof key === 'string' && key !== '') entry = this.track(key, traceId);
    if (entry && entry.spans.size < this.maxSpans) entry.spans.set(span.spanContext().spanId, span);
  }

  onEnd(span: ReadableSpan): void {
    const entry = this.byTrace.get(span.spanContext().traceId);
    if (!entry) return;
    const id = span.spanContext().spanId;
    // Counted here, once per span, whether or not it was running when the trace filled up.
    if (entry.spans.has(id) || entry.spans.size < this.maxSpans) entry.spans.set(id, span);
    else entry.dropped += 1;
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }

  private track(key: string, traceId: string): Entry {
    // A key seen again (a job re-run after a restart) starts over under its new trace.
    const previous = this.byKey.get(key);
    if (previous) {
      this.byKey.delete(key);
      this.byTrace.delete(previous.traceId);
    }
    const entry: Entry = { traceId, spans: new Map(), dropped: 0 };
    this.byKey.set(key, entry);
    this.byTrace.set(traceId, entry);
    while (this.byKey.size > this.options.maxTraces) {
      const [oldestKey, oldest] = this.byKey.entries().next().value!;
      this.byKey.delete(oldestKey);
      this.byTrace.delete(oldest.traceId);
    }
    return entry;
  }
}
