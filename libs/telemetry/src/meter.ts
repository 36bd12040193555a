import { metrics, type Meter } from '@opentelemetry/api';
import { instrumentationScope } from './spans.js';

/**
 * Bucket boundaries, in seconds, for duration histograms (the SDK's defaults are meant for
 * milliseconds): 5 ms to 10 minutes.
 */
export const secondsBuckets: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

/** The meter every Weft instrument comes from: a no-op meter unless the process serves `/metrics`. */
export function weftMeter(): Meter {
  return metrics.getMeter(instrumentationScope, '0.1.0');
}

/** What {@link observePool} reads at each scrape. */
export interface PoolLoad {
  /** Threads running a task now. */
  readonly busy: number;
  /** Tasks waiting for a thread. */
  readonly queued: number;
  /** Threads in the pool. */
  readonly threads: number;
}

/**
 * Reports a worker-thread pool as observable gauges, read at each scrape: `weft.pool.threads.busy`,
 * `weft.pool.queue.depth` and `weft.pool.utilization` (busy / threads, 0..1). Call after
 * `startTelemetry`.
 */
export function observePool(load: () => PoolLoad): void {
  const meter = weftMeter();
  const busy = meter.createObservableGauge('weft.pool.threads.busy', { unit: '{thread}', description: 'Worker threads running a task.' });
  const queued = meter.createObservableGauge('weft.pool.queue.depth', { unit: '{task}', description: 'Tasks waiting for a worker thread.' });
  const utilization = meter.createObservableGauge('weft.pool.utilization', { unit: '1', description: 'Busy worker threads / threads.' });
  meter.addBatchObservableCallback((result) => {
    const now = load();
    result.observe(busy, now.busy);
    result.observe(queued, now.queued);
    result.observe(utilization, now.threads > 0 ? now.busy / now.threads : 0);
  }, [busy, queued, utilization]);
}
