import type { Command } from 'commander';
import { JobState } from '@weft/client';
import type { CommandContext } from '../command-context.js';
import { UsageError } from '../exit-codes.js';
import { jobJson } from '../format/json-output.js';
import { jobsTable } from '../format/tables.js';
import { clientFor, withGatewayOptions } from '../gateway-options.js';
import type { GatewayOptions } from '../gateway-options.js';
import { parseCount } from '../parse-args.js';
import { writeJson } from '../write-json.js';

interface JobsOptions extends GatewayOptions {
  readonly state?: string;
  readonly limit: string;
  readonly json?: boolean;
}

const states: Record<string, JobState> = {
  queued: JobState.QUEUED,
  running: JobState.RUNNING,
  succeeded: JobState.SUCCEEDED,
  failed: JobState.FAILED,
  cancelled: JobState.CANCELLED,
};

/** `weft jobs`: lists jobs, newest first. */
export function registerJobs(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('jobs')
    .description('list jobs, newest first')
    .option('--state <state>', `only jobs in this state: ${Object.keys(states).join(', ')}`)
    .option('--limit <n>', 'at most this many jobs', '50')
    .option('--json', 'print one JSON document: {"jobs":[Job]}');
  withGatewayOptions(cmd).addHelpText(
    'after',
    `
Examples:
  $ weft jobs
  $ weft jobs --state running --json`,
  );
  cmd.action(async (opts: JobsOptions) => {
    const state = opts.state === undefined ? undefined : states[opts.state];
    if (opts.state !== undefined && state === undefined) {
      throw new UsageError(`--state must be one of ${Object.keys(states).join(', ')}, got "${opts.state}"`);
    }
    const limit = parseCount('--limit', opts.limit, 1);
    const jobs = await clientFor(opts, ctx.io, ctx).jobs({ state, limit });
    if (opts.json) writeJson(ctx.io, { jobs: jobs.map(jobJson) });
    else ctx.io.stdout.write(jobs.length ? `${jobsTable(jobs)}\n` : 'no jobs\n');
  });
}
