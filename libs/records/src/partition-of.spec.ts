import { concatBytes } from './concat-bytes.js';
import { partitionOf } from './partition-of.js';

describe('partitionOf', () => {
  it('matches FNV-1a 32-bit reference values', () => {
    // FNV-1a("a") = 0xe40c292c, FNV-1a("") = 0x811c9dc5 (offset basis).
    expect(partitionOf('a', 2 ** 31)).toBe(0xe40c292c % 2 ** 31);
    expect(partitionOf('', 1000)).toBe(0x811c9dc5 % 1000);
  });

  it('is stable and in range', () => {
    for (const key of ['the', 'straße', '日本', '😀', '']) {
      const p = partitionOf(key, 7);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThan(7);
      expect(partitionOf(key, 7)).toBe(p);
    }
    expect(partitionOf('anything', 1)).toBe(0);
  });

  it('spreads keys roughly evenly', () => {
    const counts = new Array<number>(8).fill(0);
    for (let i = 0; i < 8000; i++) counts[partitionOf(`word${i}`, 8)]!++;
    for (const c of counts) expect(c).toBeGreaterThan(700);
  });

  it('rejects a partition count that is not a positive integer', () => {
    expect(() => partitionOf('a', 0)).toThrow('partitions must be a positive integer, got 0');
    expect(() => partitionOf('a', 2.5)).toThrow(RangeError);
  });
});

describe('concatBytes', () => {
  it('joins chunks into a new buffer', () => {
    const a = new Uint8Array([1, 2]);
    const joined = concatBytes([a, new Uint8Array([]), new Uint8Array([3])]);
    expect([...joined]).toEqual([1, 2, 3]);
    expect(concatBytes([])).toEqual(new Uint8Array(0));
    expect(concatBytes([a])).not.toBe(a);
  });
});
