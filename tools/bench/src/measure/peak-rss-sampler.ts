import { processTreeRssBytes } from './process-tree-rss.js';

/** A running memory sampler; see `startPeakRssSampler`. */
export interface PeakRssSampler {
  /** Stops sampling and returns the peak in bytes (undefined if nothing was ever read). */
  stop(): number | undefined;
  /** The peak so far, in bytes. */
  readonly peakBytes: number | undefined;
}

/**
 * Samples, every `everyMs` milliseconds, the summed resident memory of the process trees rooted at
 * `roots()` and keeps the peak. `roots` is called at every sample, so a cluster whose nodes restart
 * (new pids) is followed. Use it for "total peak RSS of the cluster" (issue 7 scenario (a)): pass the
 * pids of every service process, not the bench process itself.
 *
 * @param everyMs sampling interval in milliseconds; default 20
 */
export function startPeakRssSampler(roots: () => readonly number[], everyMs = 20): PeakRssSampler {
  let peak: number | undefined;
  const sample = (): void => {
    let total: number | undefined;
    for (const pid of roots()) {
      const rss = processTreeRssBytes(pid);
      if (rss !== undefined) total = (total ?? 0) + rss;
    }
    if (total !== undefined) peak = Math.max(peak ?? 0, total);
  };
  sample();
  const timer = setInterval(sample, everyMs);
  // A sampler must never keep the process alive on its own.
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      return peak;
    },
    get peakBytes() {
      return peak;
    },
  };
}
