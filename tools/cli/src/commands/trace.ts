import type { Command } from 'commander';
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
  readonly json?: boolean;
}

/** `weft trace JOB_ID`: the job's trace as a waterfall, read from `weft dev`'s span receiver. */
export function registerTrace(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('trace')
    .description("print a job's or a scatter call's trace as a waterfall (spans collected by weft dev)")
    .argument('<job-id>', 'the job, or a trace id (32 hex digits, as weft scatter prints it)')
    .option('--traces <url>', `weft dev's trace receiver (default: $WEFT_TRACES, else http://127.0.0.1:${defaultTracesPort})`)
    .option('--json', 'print one JSON document: {"jobId","traceId","spans":[...]}');
  withGatewayOptions(cmd).addHelpText(
    'after',
    `
Each line is a span: its place in the tree, offset from the trace's start, duration and a bar;
* marks the critical path, ! a failed span.

Examples:
  $ weft trace job-mwz6ijle-58087c
  $ weft trace job-mwz6ijle-58087c --json > trace.json
  $ weft trace 4bf92f3577b34da6a3ce929d0e0e4736      # a scatter call's trace`,
  );
  cmd.action(async (jobId: string, opts: TraceOptions) => {
    const job = traceIdPattern.test(jobId) ? { traceId: jobId } : await clientFor(opts, ctx.io, ctx).job(jobId).get();
    if (!job.traceId) throw new UsageError(`job ${jobId} has no trace: the cluster ran without OTEL_EXPORTER_OTLP_ENDPOINT (weft dev sets it)`);
    const base = (opts.traces ?? ctx.io.env.WEFT_TRACES ?? `http://127.0.0.1:${defaultTracesPort}`).replace(/\/+$/, '');
    let spans: WaterfallSpan[];
    try {
      // Wait until no span of the trace arrived for a moment: a job's last spans are exported shortly after it ends.
      const response = await fetch(`${base}/weft/traces/${job.traceId}?settleMs=${settleMs}&timeoutMs=5000`, { signal: AbortSignal.timeout(10_000) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      spans = ((await response.json()) as { spans: WaterfallSpan[] }).spans;
    } catch (err) {
      throw new UsageError(`cannot read trace ${job.traceId} from ${base} (${(err as Error).message}): is weft dev running? (--traces)`);
    }
    if (opts.json) {
      writeJson(ctx.io, { jobId, traceId: job.traceId, spans });
      return;
    }
    if (spans.length === 0) throw new UsageError(`${base} holds no spans of trace ${job.traceId}: it was collected by another weft dev, or not yet exported`);
    const title = jobId === job.traceId ? `trace ${job.traceId}` : `trace ${job.traceId} of job ${jobId}`;
    ctx.io.stdout.write(`${title}\n${renderWaterfall(spans, { width: ctx.io.stdout.columns })}\n`);
  });
}
