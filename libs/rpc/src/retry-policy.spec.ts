import { Code, ConnectError } from '@connectrpc/connect';
import { DeadlineExceededError, UserCodeError } from '@weft/errors';
import { createRetryPolicy, isRetryableError } from './retry-policy.js';

describe('isRetryableError', () => {
  it('retries UNAVAILABLE and RESOURCE_EXHAUSTED always, DEADLINE_EXCEEDED only when idempotent', () => {
    const unavailable = new ConnectError('down', Code.Unavailable);
    const exhausted = new ConnectError('full', Code.ResourceExhausted);
    const deadline = new DeadlineExceededError('late');
    for (const idempotent of [true, false]) {
      expect(isRetryableError(unavailable, { idempotent })).toBe(true);
      expect(isRetryableError(exhausted, { idempotent })).toBe(true);
      expect(isRetryableError(new ConnectError('stop', Code.Canceled), { idempotent })).toBe(false);
      expect(isRetryableError(new UserCodeError('boom', 'a.txt:3'), { idempotent })).toBe(false);
    }
    expect(isRetryableError(deadline, { idempotent: true })).toBe(true);
    expect(isRetryableError(deadline, { idempotent: false })).toBe(false);
  });
});

describe('createRetryPolicy', () => {
  it('retries a retryable failure with backoff and gives up on others at once', async () => {
    const policy = createRetryPolicy({ retries: 3, initialDelayMs: 1, maxDelayMs: 5, idempotent: false });
    let calls = 0;
    await expect(
      policy.execute(() => {
        calls += 1;
        if (calls < 3) throw new ConnectError('down', Code.Unavailable);
        return 'ok';
      }),
    ).resolves.toBe('ok');
    expect(calls).toBe(3);
    calls = 0;
    await expect(
      policy.execute(() => {
        calls += 1;
        throw new ConnectError('late', Code.DeadlineExceeded);
      }),
    ).rejects.toMatchObject({ code: Code.DeadlineExceeded });
    expect(calls).toBe(1);
  });
});
