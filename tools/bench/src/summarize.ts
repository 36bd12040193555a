import type { BenchEntry, Measurement } from './scenario.js';

/** Median, minimum and maximum of a metric over an entry's runs. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

/** Per-metric spreads of one entry: the derived rates plus every raw and custom metric. */
export type EntrySummary = Record<string, Spread>;

const MB = 1024 * 1024;

/** Median of a non-empty list (mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Median/min/max of `values`. */
export function spread(values: readonly number[]): Spread {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

/**
 * Summarises an entry: `elapsedMs`, `mbPerSecond` (when runs report bytes), `itemsPerSecond` (when
 * they report items), `peakRssMb`, and each custom metric. A metric missing from some runs is
 * summarised over the runs that have it.
 */
export function summarizeEntry(entry: BenchEntry): EntrySummary {
  const columns = new Map<string, number[]>();
  const put = (key: string, value: number | undefined): void => {
    if (value === undefined || !Number.isFinite(value)) return;
    const list = columns.get(key) ?? [];
    list.push(value);
    columns.set(key, list);
  };
  for (const run of entry.runs) {
    put('elapsedMs', run.elapsedMs);
    put('mbPerSecond', rate(run, run.bytes === undefined ? undefined : run.bytes / MB));
    put('itemsPerSecond', rate(run, run.items));
    put('peakRssMb', run.peakRssBytes === undefined ? undefined : run.peakRssBytes / MB);
    for (const [key, value] of Object.entries(run.metrics ?? {})) put(key, value);
  }
  const summary: EntrySummary = {};
  for (const [key, values] of columns) summary[key] = spread(values);
  return summary;
}

function rate(run: Measurement, amount: number | undefined): number | undefined {
  return amount === undefined || run.elapsedMs <= 0 ? undefined : amount / (run.elapsedMs / 1000);
}
