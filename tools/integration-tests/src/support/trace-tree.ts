import type { ReceivedSpan } from '@weft/testing';

/** The spans of one trace, indexed by id and by parent. */
export interface TraceTree {
  readonly spans: readonly ReceivedSpan[];
  /** Spans without a parent. */
  readonly roots: readonly ReceivedSpan[];
  /** Spans whose parent is not in the trace. */
  readonly orphans: readonly ReceivedSpan[];
  /** The span's parent, if it is in the trace. */
  parent(span: ReceivedSpan): ReceivedSpan | undefined;
  /** The span's children, by start time. */
  children(span: ReceivedSpan): ReceivedSpan[];
  /** The span's ancestors, nearest first. */
  ancestors(span: ReceivedSpan): ReceivedSpan[];
  /** Spans whose name matches, by start time. */
  named(name: string | RegExp): ReceivedSpan[];
  /** The only span whose name matches; throws naming the count otherwise. */
  only(name: string | RegExp): ReceivedSpan;
}

/** Indexes the spans of one trace. */
export function traceTree(spans: readonly ReceivedSpan[]): TraceTree {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const sorted = [...spans].sort((a, b) => a.startMs - b.startMs);
  const matches = (name: string | RegExp, s: ReceivedSpan): boolean => (typeof name === 'string' ? s.name === name : name.test(s.name));
  const tree: TraceTree = {
    spans: sorted,
    roots: sorted.filter((s) => !s.parentSpanId),
    orphans: sorted.filter((s) => s.parentSpanId && !byId.has(s.parentSpanId)),
    parent: (span) => byId.get(span.parentSpanId),
    children: (span) => sorted.filter((s) => s.parentSpanId === span.spanId),
    ancestors(span) {
      const chain: ReceivedSpan[] = [];
      for (let p = byId.get(span.parentSpanId); p; p = byId.get(p.parentSpanId)) chain.push(p);
      return chain;
    },
    named: (name) => sorted.filter((s) => matches(name, s)),
    only(name) {
      const found = sorted.filter((s) => matches(name, s));
      if (found.length !== 1) throw new Error(`expected one span named ${String(name)}, found ${found.length}: ${found.map(describeSpan).join('; ')}`);
      return found[0]!;
    },
  };
  return tree;
}

/** `service kind name` of a span, for readable assertions. */
export function describeSpan(span: ReceivedSpan): string {
  return `${span.service} ${span.kind} ${span.name}`;
}

/**
 * Milliseconds a child may seem to stick out of its parent. The trace SDK stamps a span's start with
 * Date.now() (whole milliseconds) and its end as start + a precise duration, while worker-thread spans
 * carry the thread's own sub-millisecond times: the two clocks can disagree by up to 1 ms.
 */
export const clockSlackMs = 1;

/** True when `inner` lies within `outer` in time (with {@link clockSlackMs}). */
export function within(inner: ReceivedSpan, outer: ReceivedSpan): boolean {
  return inner.startMs >= outer.startMs - clockSlackMs && inner.endMs <= outer.endMs + clockSlackMs;
}
