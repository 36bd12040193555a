import { countPrimesBelow, countPrimesSequential, countPrimesThreaded } from './primes.js';

describe('prime-counting baselines', () => {
  it.each([
    [0, 0],
    [2, 0],
    [3, 1],
    [10, 4],
    [100, 25],
    [7920, 1_000], // the 1000th prime is 7919
    [1_000_000, 78_498],
  ])('counts the primes below %i', (n, count) => {
    expect(countPrimesBelow(n)).toBe(count);
  });

  it('runs tasks in order, sequentially and on worker threads', async () => {
    const inputs = [100_000, 10, 1_000, 2, 30];
    expect(countPrimesSequential(inputs)).toEqual([9_592, 4, 168, 0, 10]);
    expect(await countPrimesThreaded(inputs, 2)).toEqual([9_592, 4, 168, 0, 10]);
    expect(await countPrimesThreaded(inputs, 8)).toEqual([9_592, 4, 168, 0, 10]);
    expect(await countPrimesThreaded([], 2)).toEqual([]);
  });

  it('rejects a bad thread count', async () => {
    await expect(countPrimesThreaded([10], 0)).rejects.toThrow('threads must be a positive integer, got 0');
  });
});
