import { formatDuration } from './units.js';

/** What the waterfall needs of a span (a `ReceivedSpan` of `@weft/testing` fits). */
export interface WaterfallSpan {
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly name: string;
  readonly service: string;
  readonly kind: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly status: { readonly code: string };
}

/** Options of {@link renderWaterfall}. */
export interface WaterfallOptions {
  /** Total line width in columns; default 100 (the bar gets what the text columns leave). */
  readonly width?: number;
}

interface Node {
  readonly span: WaterfallSpan;
  readonly children: Node[];
  /** End of the span or of its latest descendant: async work (a job) may outlive its parent's call. */
  reachMs: number;
}

/**
 * Renders a trace as a terminal waterfall: one line per span in tree order, with its offset from
 * the trace's start, its duration and a bar on a shared time axis. Spans on the critical path
 * (the chain of work that decided when the trace ended) are marked `*`; failed spans `!`. Spans
 * whose parent never arrived are shown as extra roots, so nothing is hidden.
 */
export function renderWaterfall(spans: readonly WaterfallSpan[], options: WaterfallOptions = {}): string {
  if (spans.length === 0) return '(no spans)';
  const roots = buildTree(spans);
  const critical = new Set<string>();
  for (const root of roots) markCritical(root, root.reachMs, critical);
  const startMs = Math.min(...spans.map((s) => s.startMs));
  const totalMs = Math.max(1e-3, Math.max(...spans.map((s) => s.endMs)) - startMs);

  const width = Math.max(72, options.width ?? 120);
  const nameWidth = Math.min(52, Math.floor(width * 0.4));
  const serviceWidth = Math.min(11, Math.max(...spans.map((s) => shortService(s.service).length)));
  const numbersWidth = 1 + serviceWidth + 1 + 8 + 1 + 8 + 1;
  const barWidth = Math.max(10, width - nameWidth - numbersWidth);
  const total = formatDuration(totalMs);

  const lines: string[] = [
    `${'  span'.padEnd(nameWidth)} ${'service'.padEnd(serviceWidth).slice(0, serviceWidth)} ${'offset'.padStart(8)} ${'duration'.padStart(8)} ${`0${' '.repeat(Math.max(0, barWidth - 1 - total.length))}${total}`}`,
  ];
  const visit = (node: Node, prefix: string, last: boolean, depth: number): void => {
    const { span } = node;
    const branch = depth === 0 ? '' : last ? '└ ' : '├ ';
    const mark = span.status.code === 'error' ? '!' : critical.has(span.spanId) ? '*' : ' ';
    const label = truncate(`${prefix}${branch}${displayName(span)}`, nameWidth - 2);
    const offset = span.startMs - startMs;
    const duration = span.endMs - span.startMs;
    const service = truncate(shortService(span.service), serviceWidth).padEnd(serviceWidth);
    lines.push(`${mark} ${label.padEnd(nameWidth - 2)} ${service} ${formatMs(offset).padStart(8)} ${formatMs(duration).padStart(8)} ${bar(offset, duration, totalMs, barWidth, mark)}`);
    const childPrefix = depth === 0 ? '' : `${prefix}${last ? '  ' : '│ '}`;
    node.children.forEach((child, i) => visit(child, childPrefix, i === node.children.length - 1, depth + 1));
  };
  for (const root of roots) visit(root, '', true, 0);
  lines.push(`* critical path   ! error   ${spans.length} spans, ${new Set(spans.map((s) => s.service)).size} services, ${formatDuration(totalMs)}`);
  return lines.join('\n');
}

function buildTree(spans: readonly WaterfallSpan[]): Node[] {
  const nodes = new Map<string, Node>(spans.map((span) => [span.spanId, { span, children: [], reachMs: span.endMs }]));
  const roots: Node[] = [];
  for (const node of nodes.values()) {
    const parent = nodes.get(node.span.parentSpanId);
    if (parent && parent !== node) parent.children.push(node);
    else roots.push(node);
  }
  const byStart = (a: Node, b: Node): number => a.span.startMs - b.span.startMs || a.span.endMs - b.span.endMs;
  const reach = (node: Node): number => {
    node.children.sort(byStart);
    for (const child of node.children) node.reachMs = Math.max(node.reachMs, reach(child));
    return node.reachMs;
  };
  for (const root of roots) reach(root);
  return roots.sort(byStart);
}

/**
 * Marks the critical path below `node`, which must be done by `untilMs`: walking back from that
 * point, the child that finished last is what the parent waited for; before that child started,
 * the child that finished last before its start; and so on (Jaeger's algorithm, using each
 * child's reach so asynchronous work counts).
 */
function markCritical(node: Node, untilMs: number, critical: Set<string>): void {
  critical.add(node.span.spanId);
  let cursor = untilMs;
  const candidates = [...node.children].sort((a, b) => b.reachMs - a.reachMs);
  for (const child of candidates) {
    if (child.reachMs > cursor + clockSlackMs) continue;
    markCritical(child, child.reachMs, critical);
    cursor = child.span.startMs;
  }
}

/**
 * Span starts are stamped in whole milliseconds by the trace SDK, so a span that began right
 * after another may seem to overlap it by up to this much.
 */
const clockSlackMs = 1;

/** RPC spans as `call Method` (client side) and `serve Method` (server side); others as named. */
function displayName(span: WaterfallSpan): string {
  const rpc = /^[\w.]+\.(\w+)\/(\w+)$/.exec(span.name);
  if (rpc && (span.kind === 'client' || span.kind === 'server')) return `${span.kind === 'client' ? 'call' : 'serve'} ${rpc[2]}`;
  return span.name;
}

function bar(offsetMs: number, durationMs: number, totalMs: number, width: number, mark: string): string {
  const from = Math.min(width - 1, Math.floor((offsetMs / totalMs) * width));
  const length = Math.max(1, Math.round((durationMs / totalMs) * width));
  const fill = mark === '*' ? '█' : mark === '!' ? '▒' : '▆';
  return `${' '.repeat(from)}${fill.repeat(Math.min(length, width - from))}`.padEnd(width);
}

/** "0.4ms", "12ms", "1.3s": sub-millisecond spans (worker threads) keep a decimal. */
function formatMs(ms: number): string {
  return ms < 10 ? `${ms.toFixed(1)}ms` : formatDuration(ms);
}

function shortService(service: string): string {
  return service.startsWith('weft-') ? service.slice('weft-'.length) : service;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
