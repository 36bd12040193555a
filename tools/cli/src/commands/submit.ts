import { createReadStream } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { Command } from 'commander';
import { JobState, isJobFailedError } from '@weft/client';
import type { Job } from '@weft/client';
import type { CommandContext } from '../command-context.js';
import { jobJson } from '../format/json-output.js';
import { enumName, jobDuration } from '../format/tables.js';
import { clientFor, withGatewayOptions } from '../gateway-options.js';
import type { GatewayOptions } from '../gateway-options.js';
import { buildJobSpec, collect } from '../parse-args.js';
import type { SubmitArgs } from '../parse-args.js';
import { followJob } from '../progress/follow-job.js';
import { createBarView, createLineView } from '../progress/progress-view.js';
import { writeJson } from '../write-json.js';

interface SubmitOptions extends SubmitArgs, GatewayOptions {
  readonly wait?: boolean;
  readonly json?: boolean;
}

/** `weft submit FUNCTION`: submits a job; with --wait, shows progress and exits 1 if it fails. */
export function registerSubmit(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('submit')
    .description('submit a map-reduce job')
    .argument('<function>', 'registered job name, e.g. wordcount (see `weft functions`)')
    .option('--input <path>', 'input file (relative paths are made absolute) or http(s) URL; repeatable', collect)
    .option('--text <string>', 'an inline input record; repeatable', collect)
    .option('--upload <path>', 'stream this local file (- for stdin) to the cluster as input (UploadJob)')
    .option('--output-dir <dir>', 'also write one part file per reduce partition into this (missing or empty) directory')
    .option('--reducers <n>', 'number of reduce partitions (1..1024)')
    .option('--param <key=value>', 'job parameter; the value is parsed as JSON when it parses; repeatable', collect)
    .option('--idempotency-key <key>', 'submitting again with the same key returns the first job')
    .option('--max-attempts <n>', "attempts per task before the job fails (default: the coordinator's)")
    .option('--skip-bad-records', 'skip and count records whose map function throws, instead of failing')
    .option('--label <key=value>', 'a label shown by `weft jobs`; repeatable', collect)
    .option('--wait', 'wait for the job to end, showing progress; exit 1 if it fails')
    .option('--json', 'print one JSON document: {"jobId"} (with --wait: {"jobId","job"})');
  withGatewayOptions(cmd).addHelpText(
    'after',
    `
Examples:
  $ weft submit wordcount --input ./corpus.txt --wait
  $ weft submit wordcount --input a.txt --input b.txt --reducers 4 --wait --json
  $ weft submit sum-of-squares --text 1 --text 2 --text 3 --wait
  $ cat big.log | weft submit wordcount --upload - --output-dir ./counts --wait
  $ weft submit grep --input ./app.log --param 'pattern=timeout|refused'`,
  );
  cmd.action(async (fn: string, opts: SubmitOptions) => {
    const { io } = ctx;
    const spec = buildJobSpec(fn, opts, io.cwd);
    const client = clientFor(opts, io, ctx);
    const handle = opts.upload === undefined
      ? await client.submit(spec)
      : await client.upload(spec, opts.upload === '-' ? process.stdin : createReadStream(isAbsolute(opts.upload) ? opts.upload : resolve(io.cwd, opts.upload), { highWaterMark: 1 << 20 }));
    if (!opts.wait) {
      if (opts.json) writeJson(io, { jobId: handle.id });
      else io.stdout.write(`submitted job ${handle.id}\n`);
      return;
    }
    if (!opts.json) io.stdout.write(`submitted job ${handle.id}\n`);
    // stdout carries only the JSON document with --json; bars need a terminal.
    const view = !opts.json && io.stdout.isTTY ? createBarView(io.stdout) : createLineView(io.stderr);
    let job: Job;
    try {
      job = await followJob(handle, view);
    } catch (err) {
      if (!isJobFailedError(err)) throw err;
      if (opts.json) writeJson(io, { jobId: handle.id, job: jobJson(err.job) });
      else io.stdout.write(`${jobSummary(err.job)}\n`);
      throw err;
    }
    if (opts.json) writeJson(io, { jobId: handle.id, job: jobJson(job) });
    else io.stdout.write(`${jobSummary(job)}\n`);
  });
}

/** "job j-1 succeeded in 3.2s: 1234 result records" / "job j-1 failed in 1.0s: <error>". */
export function jobSummary(job: Job): string {
  const head = `job ${job.id} ${enumName(JobState, job.state)} in ${jobDuration(job)}`;
  if (job.state === JobState.SUCCEEDED) return `${head}: ${job.resultCount} result records`;
  return job.error ? `${head}: ${job.error}` : head;
}
