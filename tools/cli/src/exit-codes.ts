import { Code, ConnectError, isJobFailedError } from '@weft/client';

/** The `weft` command's exit codes: a stable interface scripts rely on (DESIGN.md). */
export const ExitCode = {
  /** The command did what was asked (and, with --wait, the job succeeded). */
  ok: 0,
  /** The job failed or was cancelled, or the command failed for another reason. */
  failed: 1,
  /** Bad arguments, or the gateway rejected the request as invalid (unknown function, job, path). */
  usage: 2,
  /** The gateway could not be reached. */
  unreachable: 3,
} as const;

/** One of `ExitCode`'s values. */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * A mistake in the command line found by the CLI itself (a malformed --param, a bad --limit).
 * Exits with `ExitCode.usage`.
 */
export class UsageError extends Error {
  /** Marker for `exitCodeOf`. */
  readonly kind = 'usage' as const;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Maps an error thrown by a command to the exit code the process ends with. */
export function exitCodeOf(err: unknown): ExitCodeValue {
  if (typeof err === 'object' && err !== null && (err as { kind?: unknown }).kind === 'usage') return ExitCode.usage;
  if (isJobFailedError(err)) return ExitCode.failed;
  if (err instanceof ConnectError || (typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'ConnectError')) {
    const code = (err as ConnectError).code;
    if (code === Code.Unavailable) return ExitCode.unreachable;
    if (code === Code.InvalidArgument || code === Code.NotFound) return ExitCode.usage;
  }
  return ExitCode.failed;
}

/** One line for stderr explaining `err`, without a stack. */
export function describeError(err: unknown, gateway?: string): string {
  if (exitCodeOf(err) === ExitCode.unreachable) {
    return `error: cannot reach the gateway${gateway ? ` at ${gateway}` : ''}: ${(err as ConnectError).rawMessage}`;
  }
  if (err instanceof ConnectError) return `error: ${err.rawMessage} (${Code[err.code]})`;
  return `error: ${err instanceof Error ? err.message : String(err)}`;
}
