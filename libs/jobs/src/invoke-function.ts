import { CancelledError, DeadlineExceededError, isCancelledError, isDeadlineExceededError, isWeftError, UserCodeError, type WeftError } from '@weft/errors';
import type { FunctionContext, FunctionDefinition } from './definitions.js';
import { messageOf } from './task-stats.js';

/**
 * The typed error for work stopped by an aborted signal: the reason itself when it already is a
 * CancelledError or DeadlineExceededError; DeadlineExceededError when the reason is a `TimeoutError`
 * DOMException (what `AbortSignal.timeout` uses); CancelledError otherwise.
 * @param what names the work in the message, e.g. `map task` or `function sleep`.
 */
export function errorForAbort(signal: AbortSignal, what: string): WeftError {
  const reason: unknown = signal.reason;
  if (isCancelledError(reason) || isDeadlineExceededError(reason)) return reason;
  if (reason instanceof DOMException && reason.name === 'TimeoutError') {
    return new DeadlineExceededError(`${what} exceeded its deadline`, { cause: reason });
  }
  const detail = reason instanceof Error ? `: ${reason.message}` : '';
  return new CancelledError(`${what} was cancelled${detail}`, { cause: reason });
}

/**
 * Calls a scatter function with Weft's error semantics, for `io` functions on the event loop (the
 * pool's worker uses it for `cpu` ones): once `signal` is aborted any failure becomes
 * {@link errorForAbort}; Weft errors (e.g. InvalidArgumentError for a bad input) pass through;
 * anything else the function throws becomes UserCodeError `function <name> failed: <message>`.
 */
export async function invokeFunction(
  def: FunctionDefinition,
  input: unknown,
  ctx: FunctionContext,
): Promise<unknown> {
  try {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    return await def.run(input, ctx);
  } catch (error) {
    if (ctx.signal.aborted) throw errorForAbort(ctx.signal, `function ${def.name}`);
    if (isWeftError(error)) throw error;
    throw new UserCodeError(`function ${def.name} failed: ${messageOf(error)}`, '');
  }
}
