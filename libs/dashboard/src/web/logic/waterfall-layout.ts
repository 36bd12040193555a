import type { TraceSpan } from '@weft/proto';
import { msOf } from './format.js';

/** One bar of the waterfall. */
export interface WaterfallRow {
  readonly spanId: string;
  readonly name: string;
  /** Nesting below the trace's root as this coordinator saw it (0 = root). */
  readonly depth: number;
  /** Start, in percent of the time axis. */
  readonly offsetPct: number;
  /** Length, in percent of the time axis (0 for an instant span; CSS gives bars a minimum width). */
  readonly widthPct: number;
  /** Start relative to the trace's first span, in milliseconds. */
  readonly startMs: number;
  /** Duration in milliseconds (up to `nowMs` while running). */
  readonly durationMs: number;
  /** Still running (no end time yet). */
  readonly running: boolean;
  /** Ended with an error status. */
  readonly error: boolean;
  /** On the critical path: the chain of spans, from the root down, each its parent's last-ending child. */
  readonly critical: boolean;
  /** The error status's message, if any. */
  readonly statusMessage: string;
  /** The span's attributes as recorded. */
  readonly attributes: Readonly<Record<string, string>>;
}

/** A laid-out waterfall: rows in tree order and the axis they are drawn on. */
export interface WaterfallLayout {
  readonly rows: readonly WaterfallRow[];
  /** Length of the time axis in milliseconds (at least 1). */
  readonly totalMs: number;
}

interface Timed {
  readonly span: TraceSpan;
  readonly start: number;
  readonly end: number;
  readonly running: boolean;
}

const byStart = (a: Timed, b: Timed): number => a.start - b.start || a.end - b.end || a.span.name.localeCompare(b.span.name) || a.span.spanId.localeCompare(b.span.spanId);

/**
 * Lays out a trace's spans as a waterfall: parents before their children, siblings by start time,
 * each row indented by its depth. The axis runs from the first start to the last end, a running
 * span counting as ending at `nowMs`. A span whose parent is not among `spans` is a root; spans
 * without a start time are left out. Cycles in parent links cannot loop: each span appears once.
 */
export function layoutWaterfall(spans: readonly TraceSpan[], nowMs: number): WaterfallLayout {
  const timed: Timed[] = [];
  for (const span of spans) {
    const start = msOf(span.startTime);
    if (start === undefined) continue;
    const ended = msOf(span.endTime);
    timed.push({ span, start, end: Math.max(start, ended ?? nowMs), running: ended === undefined });
  }
  if (timed.length === 0) return { rows: [], totalMs: 1 };

  const byId = new Map(timed.map((t) => [t.span.spanId, t]));
  const children = new Map<string, Timed[]>();
  const roots: Timed[] = [];
  for (const t of timed) {
    const parent = t.span.parentSpanId;
    if (parent !== '' && parent !== t.span.spanId && byId.has(parent)) {
      const list = children.get(parent) ?? [];
      list.push(t);
      children.set(parent, list);
    } else {
      roots.push(t);
    }
  }
  for (const list of children.values()) list.sort(byStart);
  roots.sort(byStart);

  const t0 = Math.min(...timed.map((t) => t.start));
  const totalMs = Math.max(1, Math.max(...timed.map((t) => t.end)) - t0);
  const critical = criticalPath(roots, children);

  const rows: WaterfallRow[] = [];
  const seen = new Set<string>();
  const visit = (t: Timed, depth: number): void => {
    if (seen.has(t.span.spanId)) return;
    seen.add(t.span.spanId);
    rows.push({
      spanId: t.span.spanId,
      name: t.span.name,
      depth,
      offsetPct: ((t.start - t0) / totalMs) * 100,
      widthPct: ((t.end - t.start) / totalMs) * 100,
      startMs: t.start - t0,
      durationMs: t.end - t.start,
      running: t.running,
      error: t.span.error,
      critical: critical.has(t.span.spanId),
      statusMessage: t.span.statusMessage,
      attributes: t.span.attributes,
    });
    for (const child of children.get(t.span.spanId) ?? []) visit(child, depth + 1);
  };
  for (const root of roots) visit(root, 0);
  // Spans only reachable through a parent cycle have no root: show them at the top level.
  for (const t of [...timed].sort(byStart)) visit(t, 0);
  return { rows, totalMs };
}

/**
 * Span ids on the critical path, found the way Jaeger does: from the last-ending root, walk back
 * from its end, taking the child that ended last before the point reached, descending into it, then
 * continuing from that child's start; children overlapping a taken one are not on the path. A span's
 * end counts as the latest end below it, so work that outlives its parent (a job outliving the
 * SubmitJob call that started it) still leads the path.
 */
function criticalPath(roots: readonly Timed[], children: ReadonlyMap<string, readonly Timed[]>): Set<string> {
  const path = new Set<string>();
  const ends = new Map<string, number>();
  const endOf = (t: Timed, seen: Set<string> = new Set()): number => {
    const known = ends.get(t.span.spanId);
    if (known !== undefined) return known;
    seen.add(t.span.spanId);
    let end = t.end;
    for (const c of children.get(t.span.spanId) ?? []) if (!seen.has(c.span.spanId)) end = Math.max(end, endOf(c, seen));
    ends.set(t.span.spanId, end);
    return end;
  };
  const walk = (t: Timed): void => {
    if (path.has(t.span.spanId)) return;
    path.add(t.span.spanId);
    let cut = endOf(t);
    const candidates = [...(children.get(t.span.spanId) ?? [])].sort((a, b) => endOf(b) - endOf(a) || b.start - a.start);
    for (const child of candidates) {
      if (endOf(child) > cut) continue;
      walk(child);
      cut = child.start;
    }
  };
  let root: Timed | undefined;
  for (const r of roots) if (!root || endOf(r) > endOf(root)) root = r;
  if (root) walk(root);
  return path;
}
