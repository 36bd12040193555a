import type { Command } from 'commander';
import { JobState, Phase, TaskEventType } from '@weft/client';
import type { WatchJobResponse } from '@weft/client';
import type { CommandContext } from '../command-context.js';
import { ExitCode } from '../exit-codes.js';
import { watchEventJson } from '../format/json-output.js';
import { enumName } from '../format/tables.js';
import { timestampMs } from '../format/units.js';
import { clientFor, withGatewayOptions } from '../gateway-options.js';
import type { GatewayOptions } from '../gateway-options.js';
import { writeJson } from '../write-json.js';

/** `weft watch JOB_ID`: prints a job's events until it ends; exits 1 if it failed or was cancelled. */
export function registerWatch(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('watch')
    .description("print a job's events as they happen, until it ends")
    .argument('<job-id>', 'the job')
    .option('--json', 'print one JSON document once the job ends: {"jobId","events":[WatchJobResponse]}');
  withGatewayOptions(cmd).addHelpText('after', '\nExamples:\n  $ weft watch j-1f3a\n  $ weft watch j-1f3a --json | jq .events[-1]');
  cmd.action(async (jobId: string, opts: GatewayOptions & { json?: boolean }) => {
    const events: WatchJobResponse[] = [];
    let final: JobState | undefined;
    for await (const event of clientFor(opts, ctx.io, ctx).job(jobId).watch()) {
      if (event.event.case === 'state') final = event.event.value;
      if (event.event.case === 'snapshot') final = event.event.value.state;
      if (opts.json) events.push(event);
      else ctx.io.stdout.write(`${describeWatchEvent(event)}\n`);
    }
    if (opts.json) writeJson(ctx.io, { jobId, events: events.map(watchEventJson) });
    if (final === JobState.FAILED || final === JobState.CANCELLED) ctx.exitCode = ExitCode.failed;
  });
}

/** One line per event, e.g. "#4 12:00:01.234 task m-0 #1 succeeded on mapper-1 (120 ms, 5000 in, 800 out)". */
export function describeWatchEvent(event: WatchJobResponse): string {
  const at = timestampMs(event.time);
  const head = `#${event.sequence}${at === undefined ? '' : ` ${new Date(at).toISOString().slice(11, 23)}`}`;
  const ev = event.event;
  switch (ev.case) {
    case 'snapshot':
      return `${head} job ${ev.value.id} (${ev.value.function}) is ${enumName(JobState, ev.value.state)}`;
    case 'state':
      return `${head} job is ${enumName(JobState, ev.value)}`;
    case 'notice':
      return `${head} notice: ${ev.value}`;
    case 'task': {
      const t = ev.value;
      let line = `${head} ${enumName(Phase, t.phase)} task ${t.taskId} #${t.attempt} ${enumName(TaskEventType, t.type)}`;
      if (t.nodeId) line += ` on ${t.nodeId}`;
      if (t.type === TaskEventType.SUCCEEDED) line += ` (${t.elapsedMs} ms, ${t.recordsIn} in, ${t.recordsOut} out)`;
      if (t.message) line += `: ${t.message}`;
      return line;
    }
    default:
      return `${head} (unknown event)`;
  }
}
