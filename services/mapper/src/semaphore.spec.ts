import { Semaphore } from './semaphore.js';

describe('Semaphore', () => {
  it('runs at most `limit` calls at once, the rest in arrival order', async () => {
    const semaphore = new Semaphore(2);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    const task = (i: number) => semaphore.run(async () => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      order.push(i);
      running -= 1;
      return i;
    });
    expect(await Promise.all([0, 1, 2, 3, 4].map(task))).toEqual([0, 1, 2, 3, 4]);
    expect(peak).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });

  it('rejects a waiter whose signal aborts, without taking a permit', async () => {
    const semaphore = new Semaphore(1);
    let release!: () => void;
    const holder = semaphore.run(() => new Promise<void>((resolve) => (release = resolve)));
    const controller = new AbortController();
    const waiter = semaphore.run(async () => 'never', controller.signal);
    controller.abort();
    await expect(waiter).rejects.toMatchObject({ kind: 'cancelled', message: 'cancelled while waiting for an io slot' });
    release();
    await holder;
    expect(semaphore.running).toBe(0);
  });

  it('pins its option message', () => {
    expect(() => new Semaphore(0)).toThrow('limit must be a positive integer, got 0');
  });
});
