import { median, spread, summarizeEntry } from './summarize.js';

describe('median and spread', () => {
  it('take the middle value, or the mean of the two middle values', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(spread([5, 1, 9])).toEqual({ median: 5, min: 1, max: 9 });
    expect(() => median([])).toThrow('median of an empty list');
  });
});

describe('summarizeEntry', () => {
  it('derives MB/s, items/s and MB, and summarises custom metrics', () => {
    const summary = summarizeEntry({
      id: 's/e',
      description: 'd',
      runs: [
        { elapsedMs: 1000, bytes: 100 * 1024 * 1024, items: 10, peakRssBytes: 50 * 1024 * 1024, metrics: { p99Ms: 4 } },
        { elapsedMs: 2000, bytes: 100 * 1024 * 1024, items: 10, peakRssBytes: 70 * 1024 * 1024, metrics: { p99Ms: 8 } },
        { elapsedMs: 500, bytes: 100 * 1024 * 1024, items: 10, peakRssBytes: 60 * 1024 * 1024 },
      ],
    });
    expect(summary).toEqual({
      elapsedMs: { median: 1000, min: 500, max: 2000 },
      mbPerSecond: { median: 100, min: 50, max: 200 },
      itemsPerSecond: { median: 10, min: 5, max: 20 },
      peakRssMb: { median: 60, min: 50, max: 70 },
      p99Ms: { median: 6, min: 4, max: 8 },
    });
  });
});
