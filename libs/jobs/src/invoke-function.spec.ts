import { isCancelledError, isDeadlineExceededError, isInvalidArgumentError, isUserCodeError, CancelledError } from '@weft/errors';
import { defineFunction } from './definitions.js';
import { errorForAbort, invokeFunction } from './invoke-function.js';
import { countPrimes } from './builtins/count-primes.js';
import { sleep } from './builtins/sleep.js';

const failing = defineFunction<unknown, never>({
  name: 'failing', description: '', params: {}, executor: 'io',
  run: () => {
    throw new TypeError('oops');
  },
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(() => { throw new Error('expected a rejection'); }, (error: unknown) => error);
}

describe('invokeFunction', () => {
  const live = { params: {}, signal: new AbortController().signal };

  it('returns the result', async () => {
    expect(await invokeFunction(sleep, 1, live)).toBe(1);
  });

  it('wraps user failures in UserCodeError and passes Weft errors through', async () => {
    const user = await rejection(invokeFunction(failing, 1, live));
    expect(isUserCodeError(user) && user.message).toBe('function failing failed: oops');
    expect(isInvalidArgumentError(await rejection(invokeFunction(countPrimes, 'x', live)))).toBe(true);
  });

  it('turns an abort into CancelledError and a timeout into DeadlineExceededError', async () => {
    const controller = new AbortController();
    const pending = rejection(invokeFunction(sleep, 60_000, { params: {}, signal: controller.signal }));
    controller.abort(new Error('client went away'));
    const cancelled = await pending;
    expect(isCancelledError(cancelled) && cancelled.message).toBe('function sleep was cancelled: client went away');
    const late = await rejection(invokeFunction(sleep, 60_000, { params: {}, signal: AbortSignal.timeout(10) }));
    expect(isDeadlineExceededError(late) && late.message).toBe('function sleep exceeded its deadline');
    const early = await rejection(invokeFunction(countPrimes, 10, { params: {}, signal: AbortSignal.abort() }));
    expect(isCancelledError(early)).toBe(true);
  });
});

describe('errorForAbort', () => {
  it('keeps a Weft reason as is', () => {
    const reason = new CancelledError('job 7 was cancelled');
    const controller = new AbortController();
    controller.abort(reason);
    expect(errorForAbort(controller.signal, 'map task')).toBe(reason);
  });
});
