import { Code, ConnectError } from '@connectrpc/connect';
import { isWeftError, type ErrorKind } from '@weft/errors';

/**
 * The one table from domain error kind to Connect code. Handlers throw domain errors; the server
 * adapters apply this table, so no handler picks codes by hand.
 */
const codeByKind: Record<ErrorKind, Code> = {
  'invalid-argument': Code.InvalidArgument,
  'function-not-found': Code.NotFound,
  'job-not-found': Code.NotFound,
  'failed-precondition': Code.FailedPrecondition,
  // The coordinator recomputes a lost partition, so a reducer's caller may retry.
  'partition-unavailable': Code.Unavailable,
  // The thread is replaced and the task can run again: retryable, like a lost node.
  'worker-crashed': Code.Unavailable,
  // The user's own code failed on some input: retrying the same input fails the same way.
  'user-code-failed': Code.Aborted,
  'deadline-exceeded': Code.DeadlineExceeded,
  cancelled: Code.Canceled,
  'resource-exhausted': Code.ResourceExhausted,
  unavailable: Code.Unavailable,
  'config-invalid': Code.FailedPrecondition,
  internal: Code.Internal,
};

/** The Connect code for a domain error kind. */
export function codeForKind(kind: ErrorKind): Code {
  return codeByKind[kind];
}

/**
 * Turns anything thrown by a handler into the ConnectError sent to the caller. ConnectErrors pass
 * through (a coordinator error relayed by the gateway keeps its code); domain errors get their
 * table code and message; anything else is a bug: INTERNAL with a generic message, the original
 * kept as `cause` for the log and never sent.
 */
export function toConnectError(error: unknown): ConnectError {
  if (error instanceof ConnectError) return error;
  if (isWeftError(error)) return new ConnectError(error.message, codeByKind[error.kind], undefined, undefined, error);
  if (isAbortError(error)) return new ConnectError('the call was cancelled', Code.Canceled, undefined, undefined, error);
  return new ConnectError('internal error', Code.Internal, undefined, undefined, error);
}

function isAbortError(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');
}

/** Codes a caller may retry without knowing whether the call had effects. */
export function isRetryableCode(code: Code): boolean {
  return code === Code.Unavailable || code === Code.ResourceExhausted;
}
