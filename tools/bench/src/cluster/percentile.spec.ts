import { percentile } from './percentile.js';

describe('percentile', () => {
  it('takes the nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
  });

  it('rejects an empty list and a bad rank', () => {
    expect(() => percentile([], 50)).toThrow('percentile of an empty list');
    expect(() => percentile([1], 0)).toThrow('p must be in (0, 100], got 0');
  });
});
