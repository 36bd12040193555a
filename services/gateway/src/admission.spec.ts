import { isResourceExhaustedError } from '@weft/errors';
import { Admission } from './admission.js';

const never = new AbortController().signal;

describe('Admission', () => {
  it('runs up to the limit, queues up to the queue, and refuses the rest at once', async () => {
    const admission = new Admission({ limit: 2, queue: 1 });
    const gates: (() => void)[] = [];
    const hold = (): Promise<string> => new Promise<string>((resolve) => gates.push(() => resolve('done')));
    const running = [admission.run(hold, never), admission.run(hold, never), admission.run(hold, never)];
    await new Promise((resolve) => setImmediate(resolve));
    expect(admission.running).toBe(2);
    const refused = await admission.run(hold, never).catch((e: unknown) => e);
    expect(isResourceExhaustedError(refused)).toBe(true);
    expect((refused as Error).message).toBe('the gateway is at its admission limit (2 calls running, 1 queued): retry later');
    while (gates.length > 0 || admission.running > 0) {
      gates.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await expect(Promise.all(running)).resolves.toEqual(['done', 'done', 'done']);
  });

  it('holds a place for a whole server stream and frees it when the stream ends', async () => {
    const admission = new Admission({ limit: 1, queue: 0 });
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    async function* source(): AsyncGenerator<number> {
      yield 1;
      await gate;
      yield 2;
    }
    const first = admission.stream(source, never);
    expect((await first.next()).value).toBe(1);
    const second = admission.stream(source, never);
    const refused = await second.next().catch((e: unknown) => e);
    expect(isResourceExhaustedError(refused)).toBe(true);
    release();
    expect((await first.next()).value).toBe(2);
    expect((await first.next()).done).toBe(true);
    const third = admission.stream(async function* () {
      yield 3;
    }, never);
    expect((await third.next()).value).toBe(3);
  });
});
