import { Option, type Command } from 'commander';
import { timestampMs } from '@bufbuild/protobuf/wkt';
import type { GetJobTraceResponse } from '@weft/client';
import type { CommandContext } from '../command-context.js';
import { UsageError } from '../exit-codes.js';
import { renderWaterfall, type WaterfallSpan } from '../format/waterfall.js';
import { clientFor, withGatewayOptions } from '../gateway-options.js';
import type { GatewayOptions } from '../gateway-options.js';
import { defaultTracesPort } from '../local-traces.js';
import { writeJson } from '../write-json.js';

/** Quiet time that counts a trace as complete: above weft dev's span export delay (OTEL_BSP_SCHEDULE_DELAY 200 ms). */
const settleMs = 600;

/** A W3C trace id: what `weft trace` takes instead of a job id. */
const traceIdPattern = /^[0-9a-f]{32}$/;

interface TraceOptions extends GatewayOptions {
  readonly traces?: string;
  readonly source: 'auto' | 'receiver' | 'gateway';
  readonly json?: boolean;
}

/** The coordinator's spans of a job (GetJobTrace) as waterfall spans; a running span ends now. */
export function coordinatorSpans(trace: GetJobTraceResponse, nowMs = Date.now()): WaterfallSpan[] {
  return trace.spans.map((span) => ({
    spanId: span.spanId,
    parentSpanId: span.parentSpanId,
    name: span.name,
    service: 'weft-coordinator',
    kind: span.kind,
    startMs: span.startTime ? timestampMs(span.startTime) : nowMs,
    endMs: span.endTime ? timestampMs(span.endTime) : nowMs,
    status: { code: span.error ? 'error' : 'unset' },
  }));
}

/**
 * `weft trace JOB_ID`: the job's trace as a waterfall, read from `weft dev`'s span receiver (every
 * service's spans) or, for a job, from the gateway's GetJobTrace (the coordinator's spans, kept
 * for its recent jobs whether or not the cluster exports spans).
 */
export function registerTrace(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('trace')
    .description("print a job's or a scatter call's trace as a waterfall (spans collected by weft dev, or the coordinator's through the gateway)")
    .argument('<job-id>', 'the job, or a trace id (32 hex digits, as weft scatter prints it)')
    .option('--traces <url>', `weft dev's trace receiver (default: $WEFT_TRACES, else http://127.0.0.1:${defaultTracesPort})`)
    .addOption(new Option('--source <where>', 'receiver: every service\'s spans from weft dev; gateway: the coordinator\'s spans of a job (GetJobTrace); auto: the receiver, else the gateway').choices(['auto', 'receiver', 'gateway']).default('auto'))
    .option('--json', 'print one JSON document: {"jobId","traceId","source","spans":[...]}');
  withGatewayOptions(cmd).addHelpText(
    'after',
    `
Each line is a span: its place in the tree, offset from the trace's start, duration and a bar;
* marks the critical path, ! a failed span. A span still running is drawn up to now.

Examples:
  $ weft trace job-mwz6ijle-58087c
  $ weft trace job-mwz6ijle-58087c --json > trace.json
  $ weft trace job-mwz6ijle-58087c --source gateway   # any cluster: the coordinator's spans
  $ weft trace 4bf92f3577b34da6a3ce929d0e0e4736      # a scatter call's trace (receiver only)`,
  );
  cmd.action(async (jobId: string, opts: TraceOptions) => {
    const isTraceId = traceIdPattern.test(jobId);
    if (isTraceId && opts.source === 'gateway') throw new UsageError('--source gateway needs a job id: the gateway keeps traces by job');
    const base = (opts.traces ?? ctx.io.env.WEFT_TRACES ?? `http://127.0.0.1:${defaultTracesPort}`).replace(/\/+$/, '');
    let found: { traceId: string; source: 'receiver' | 'gateway'; spans: WaterfallSpan[] } | undefined;
    let receiverProblem = '';
    if (opts.source !== 'gateway') {
      const job = isTraceId ? { traceId: jobId } : await clientFor(opts, ctx.io, ctx).job(jobId).get();
      if (job.traceId) {
        try {
          // Wait until no span of the trace arrived for a moment: a job's last spans are exported shortly after it ends.
          const response = await fetch(`${base}/weft/traces/${job.traceId}?settleMs=${settleMs}&timeoutMs=5000`, { signal: AbortSignal.timeout(10_000) });
          if (!response.ok) throw new Error(`HTTP ${response.status}`);
          const spans = ((await response.json()) as { spans: WaterfallSpan[] }).spans;
          if (spans.length > 0) found = { traceId: job.traceId, source: 'receiver', spans };
          else receiverProblem = `${base} holds no spans of trace ${job.traceId}: it was collected by another weft dev, or not yet exported`;
        } catch (err) {
          receiverProblem = `cannot read trace ${job.traceId} from ${base} (${(err as Error).message}): is weft dev running? (--traces)`;
        }
      } else {
        receiverProblem = `job ${jobId} has no trace id: the coordinator recorded no spans for it (COORDINATOR_TRACE_RETENTION=0, or sampled out)`;
      }
    }
    if (!found && opts.source !== 'receiver' && !isTraceId) {
      const trace = await clientFor(opts, ctx.io, ctx).job(jobId).trace();
      if (trace.spans.length > 0) found = { traceId: trace.traceId, source: 'gateway', spans: coordinatorSpans(trace) };
      else if (opts.source === 'gateway' || !receiverProblem) receiverProblem = `the coordinator no longer keeps the spans of job ${jobId} (only its most recent jobs', and none from before a restart)`;
    }
    if (!found) throw new UsageError(receiverProblem);
    if (opts.json) {
      writeJson(ctx.io, { jobId, traceId: found.traceId, source: found.source, spans: found.spans });
      return;
    }
    const title = jobId === found.traceId ? `trace ${found.traceId}` : `trace ${found.traceId} of job ${jobId}`;
    const from = found.source === 'gateway' ? ' (the coordinator\'s spans, from GetJobTrace)' : '';
    ctx.io.stdout.write(`${title}${from}\n${renderWaterfall(found.spans, { width: ctx.io.stdout.columns })}\n`);
  });
}
