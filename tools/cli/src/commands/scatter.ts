import type { Command } from 'commander';
import type { JsonValue } from '@bufbuild/protobuf';
import type { ScatterEvent, ScatterSummary } from '@weft/client';
import type { CommandContext } from '../command-context.js';
import { ExitCode } from '../exit-codes.js';
import { scatterSummaryJson } from '../format/json-output.js';
import { clientFor, withGatewayOptions } from '../gateway-options.js';
import type { GatewayOptions } from '../gateway-options.js';
import { collect, parseCount, parseParams, parseScatterInputs } from '../parse-args.js';
import { writeJson } from '../write-json.js';

interface ScatterOptions extends GatewayOptions {
  readonly inputs: string;
  readonly concurrency?: string;
  readonly timeout?: string;
  readonly minSuccesses?: string;
  readonly hedgeAfter?: string;
  readonly param?: string[];
  readonly json?: boolean;
}

type ItemEvent = Exclude<ScatterEvent, { type: 'summary' }>;

/** `weft scatter FUNCTION --inputs JSON`: fans items out; exits 1 when too few succeeded. */
export function registerScatter(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('scatter')
    .description('run a scatter function once per input across the cluster')
    .argument('<function>', 'registered scatter function, e.g. count-primes')
    .requiredOption('--inputs <json>', 'JSON array of item inputs')
    .option('--concurrency <n>', 'items in flight at once, cluster-wide (default: all)')
    .option('--timeout <ms>', 'time allowed per item attempt (default: none)')
    .option('--min-successes <n>', 'finish once this many items succeeded (default: all)')
    .option('--hedge-after <ms>', 'launch a backup attempt for an item still running after this long')
    .option('--param <key=value>', 'parameter shared by every item; JSON when it parses; repeatable', collect)
    .option('--json', 'print one JSON document: {"items":[...by index],"summary"}');
  withGatewayOptions(cmd).addHelpText(
    'after',
    `
Examples:
  $ weft scatter count-primes --inputs '[10000, 20000, 30000]' --concurrency 2
  $ weft scatter sleep --inputs '[100, 5000]' --timeout 1000 --json`,
  );
  cmd.action(async (fn: string, opts: ScatterOptions) => {
    const inputs: JsonValue[] = parseScatterInputs(opts.inputs);
    const num = (name: string, v: string | undefined, min = 0) => (v === undefined ? undefined : parseCount(name, v, min));
    const minSuccesses = num('--min-successes', opts.minSuccesses);
    const events = clientFor(opts, ctx.io, ctx).scatter({
      function: fn,
      inputs,
      params: parseParams(opts.param ?? []),
      maxConcurrency: num('--concurrency', opts.concurrency, 1),
      itemTimeoutMs: num('--timeout', opts.timeout),
      minSuccesses,
      hedgeAfterMs: num('--hedge-after', opts.hedgeAfter),
    });
    const items: ItemEvent[] = [];
    let summary: ScatterSummary | undefined;
    for await (const event of events) {
      if (event.type === 'summary') summary = event.summary;
      else if (opts.json) items.push(event);
      else ctx.io.stdout.write(`${describeItem(event)}\n`);
    }
    if (opts.json) {
      writeJson(ctx.io, { items: items.sort((a, b) => a.index - b.index).map(({ type: _type, ...item }) => item), summary: summary ? scatterSummaryJson(summary) : null });
    } else if (summary) {
      ctx.io.stdout.write(
        `${summary.succeeded} succeeded, ${summary.failed} failed, ${summary.timedOut} timed out, ${summary.cancelled} cancelled, ${summary.hedged} hedged in ${summary.wallMs} ms\n`,
      );
      if (summary.traceId) ctx.io.stdout.write(`trace ${summary.traceId} (weft trace ${summary.traceId})\n`);
    }
    if ((summary?.succeeded ?? 0) < (minSuccesses || inputs.length)) ctx.exitCode = ExitCode.failed;
  });
}

/** "[3] 25 (mapper-1, attempt 1, 12 ms)" or "[0] error 4: item timed out (...)". */
export function describeItem(item: ItemEvent): string {
  const where = `(${item.nodeId || '?'}, attempt ${item.attempt}${item.hedged ? ', hedged' : ''}, ${item.elapsedMs} ms)`;
  if (item.ok) return `[${item.index}] ${JSON.stringify(item.value)} ${where}`;
  return `[${item.index}] error ${item.error.code}: ${item.error.message} ${where}`;
}
