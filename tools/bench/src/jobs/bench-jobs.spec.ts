import { runLocally } from '@weft/jobs';
import { benchShuffle, bucketOf, SHUFFLE_BUCKETS } from './bench-jobs.js';

describe('bench-shuffle', () => {
  it('spreads lines over the buckets and counts every line once', () => {
    const lines = Array.from({ length: 2000 }, (_, i) => `line ${i} of the corpus`);
    const buckets = new Set(lines.map(bucketOf));
    expect(buckets.size).toBeGreaterThan(SHUFFLE_BUCKETS / 2);
    expect(buckets.size).toBeLessThanOrEqual(SHUFFLE_BUCKETS);
    const results = runLocally(benchShuffle, lines);
    expect([...results.values()].reduce((a, b) => a + Number(b), 0)).toBe(2000);
  });
});
