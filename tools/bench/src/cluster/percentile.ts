/**
 * The `p`-th percentile (0 < p <= 100) of `values` by the nearest-rank method: the smallest value
 * with at least p% of the values at or below it. Throws a RangeError for an empty list or a bad p.
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new RangeError('percentile of an empty list');
  if (!(p > 0 && p <= 100)) throw new RangeError(`p must be in (0, 100], got ${p}`);
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil((p / 100) * sorted.length) - 1]!;
}
