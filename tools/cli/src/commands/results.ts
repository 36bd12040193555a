import type { Command } from 'commander';
import type { ResultRecord } from '@weft/client';
import type { CommandContext } from '../command-context.js';
import { UsageError } from '../exit-codes.js';
import { resultsTable } from '../format/tables.js';
import { clientFor, withGatewayOptions } from '../gateway-options.js';
import type { GatewayOptions } from '../gateway-options.js';
import { parseCount } from '../parse-args.js';
import { writeJson } from '../write-json.js';

interface ResultsOptions extends GatewayOptions {
  readonly limit?: string;
  readonly offset?: string;
  readonly order: string;
  readonly json?: boolean;
}

/** `weft results JOB_ID`: prints a succeeded job's output. */
export function registerResults(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('results')
    .description("print a succeeded job's results")
    .argument('<job-id>', 'the job')
    .option('--limit <n>', 'at most this many records (0: all)', '0')
    .option('--offset <n>', 'skip this many records first', '0')
    .option('--order <order>', '"key" (ascending) or "value" (descending, ties by key)', 'key')
    .option('--json', 'print one JSON document: {"jobId","order","records":[{"key","value"}]}');
  withGatewayOptions(cmd).addHelpText(
    'after',
    `
Examples:
  $ weft results j-1f3a --order value --limit 10
  $ weft results j-1f3a --json > counts.json`,
  );
  cmd.action(async (jobId: string, opts: ResultsOptions) => {
    if (opts.order !== 'key' && opts.order !== 'value') {
      throw new UsageError(`--order must be "key" or "value", got "${opts.order}"`);
    }
    const limit = parseCount('--limit', opts.limit ?? '0');
    const offset = parseCount('--offset', opts.offset ?? '0');
    const client = clientFor(opts, ctx.io, ctx);
    const records: ResultRecord[] = [];
    for await (const r of client.job(jobId).results({ order: opts.order, limit, offset })) records.push(r);
    if (opts.json) writeJson(ctx.io, { jobId, order: opts.order, records });
    else ctx.io.stdout.write(`${resultsTable(records)}\n`);
  });
}
