import { Command, CommanderError } from 'commander';
import type { CliIo } from './cli-io.js';
import type { CommandContext } from './command-context.js';
import { registerCancel } from './commands/cancel.js';
import { registerCluster, registerFunctions } from './commands/cluster.js';
import { registerDemo } from './commands/demo.js';
import { registerDev } from './commands/dev.js';
import { registerJobs } from './commands/jobs.js';
import { registerResults } from './commands/results.js';
import { registerScatter } from './commands/scatter.js';
import { registerSubmit } from './commands/submit.js';
import { registerTop } from './commands/top.js';
import { registerTrace } from './commands/trace.js';
import { registerWatch } from './commands/watch.js';
import { ExitCode, describeError, exitCodeOf } from './exit-codes.js';
import type { ExitCodeValue } from './exit-codes.js';

/** Builds the `weft` program; commands write through `ctx.io` and throw on failure. */
export function createProgram(ctx: CommandContext): Command {
  const { io } = ctx;
  const program = new Command('weft')
    .description('Weft: distributed map-reduce and scatter-gather for TypeScript')
    .version('0.1.0')
    // Set before adding commands: subcommands copy these settings when created.
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError('(add --help for usage and examples)')
    .addHelpText(
      'after',
      `
Exit codes: 0 ok, 1 job failed, 2 usage error, 3 cannot reach the gateway.

Examples:
  $ weft dev                                      # local cluster on http://127.0.0.1:8080
  $ weft submit wordcount --input ./corpus.txt --wait
  $ weft results <job-id> --order value --limit 10
  $ weft cluster --json`,
    );
  for (const register of [
    registerDev,
    registerSubmit,
    registerResults,
    registerWatch,
    registerJobs,
    registerCancel,
    registerCluster,
    registerFunctions,
    registerTop,
    registerScatter,
    registerTrace,
    registerDemo,
  ]) {
    register(program, ctx);
  }
  return program;
}

/**
 * Runs the CLI on `argv` (user arguments only, without node and the script) and returns the exit
 * code; never throws. Errors are written to `io.stderr` as one line.
 */
export async function runCli(
  argv: readonly string[],
  io: CliIo,
  transport?: CommandContext['transport'],
): Promise<ExitCodeValue | number> {
  const ctx: CommandContext = { io, transport };
  const program = createProgram(ctx);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return ctx.exitCode ?? ExitCode.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end through here too, with exit code 0; commander already wrote.
      return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    io.stderr.write(`${describeError(err, ctx.gateway)}\n`);
    return exitCodeOf(err);
  }
}
