import type { Command } from 'commander';
import { JobState } from '@weft/client';
import type { CommandContext } from '../command-context.js';
import { jobJson } from '../format/json-output.js';
import { enumName } from '../format/tables.js';
import { clientFor, withGatewayOptions } from '../gateway-options.js';
import type { GatewayOptions } from '../gateway-options.js';
import { writeJson } from '../write-json.js';

/** `weft cancel JOB_ID`: cancels a queued or running job (a no-op for an ended one). */
export function registerCancel(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('cancel')
    .description('cancel a queued or running job')
    .argument('<job-id>', 'the job')
    .option('--json', 'print one JSON document: {"job":Job}');
  withGatewayOptions(cmd).addHelpText('after', '\nExamples:\n  $ weft cancel j-1f3a');
  cmd.action(async (jobId: string, opts: GatewayOptions & { json?: boolean }) => {
    const job = await clientFor(opts, ctx.io, ctx).job(jobId).cancel();
    if (opts.json) writeJson(ctx.io, { job: jobJson(job) });
    else ctx.io.stdout.write(`job ${job.id}: ${enumName(JobState, job.state)}\n`);
  });
}
