import { SeededRandom } from './seeded-random.js';
import { ZipfSampler } from './zipf-sampler.js';

describe('ZipfSampler', () => {
  it('draws ranks with the Zipf probabilities', () => {
    const sampler = new ZipfSampler(1000, 1.0);
    const random = new SeededRandom(1);
    const draws = 400_000;
    const counts = new Float64Array(1000);
    for (let i = 0; i < draws; i++) counts[sampler.sample(random)]!++;
    const harmonic = Array.from({ length: 1000 }, (_, r) => 1 / (r + 1)).reduce((a, b) => a + b);
    expect(sampler.probability(0)).toBeCloseTo(1 / harmonic, 10);
    expect(sampler.probability(9)).toBeCloseTo(1 / 10 / harmonic, 10);
    for (const rank of [0, 1, 4, 9, 49]) {
      const expected = sampler.probability(rank) * draws;
      // within 5 standard deviations of a binomial count
      expect(Math.abs(counts[rank]! - expected)).toBeLessThan(5 * Math.sqrt(expected));
    }
    // the tail is reached too
    expect(counts.slice(900).reduce((a, b) => a + b)).toBeGreaterThan(0);
  });

  it('with exponent 0 is uniform', () => {
    const sampler = new ZipfSampler(4, 0);
    expect([0, 1, 2, 3].map((r) => sampler.probability(r))).toEqual([0.25, 0.25, 0.25, 0.25]);
  });

  it('validates its arguments', () => {
    expect(() => new ZipfSampler(0)).toThrow('ZipfSampler: n must be a positive integer, got 0');
    expect(() => new ZipfSampler(10, -1)).toThrow('ZipfSampler: exponent must be >= 0, got -1');
  });
});
