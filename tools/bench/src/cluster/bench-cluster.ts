import { startCluster, type TestCluster, type TestClusterOptions } from '@weft/testing';

/** Options of `withBenchCluster`: those of `startCluster`, with the bench's defaults. */
export type BenchClusterOptions = TestClusterOptions;

/**
 * Environment every bench cluster gets on top of the bench's own: a gateway without
 * authentication (loopback only, like `weft dev`). Services keep their default log level: the
 * launcher recognises a started service by its info-level "ready" line.
 */
export const BENCH_CLUSTER_ENV: Readonly<Record<string, string>> = { GATEWAY_DEV_MODE: 'true' };

/**
 * Starts a real local cluster (each service its own OS process, `@weft/testing`'s `startCluster`),
 * runs `work` with it and always stops it. Worker threads default to 1 per mapper and reducer, so
 * "2 mappers" uses two cores for map work, like the 2-worker-thread baseline it is compared with.
 */
export async function withBenchCluster<T>(options: BenchClusterOptions, work: (cluster: TestCluster) => Promise<T>): Promise<T> {
  const cluster = await startCluster({ threadsPerNode: 1, readyTimeoutMs: 30_000, ...options, env: { ...BENCH_CLUSTER_ENV, ...options.env } });
  try {
    return await work(cluster);
  } finally {
    await cluster.stop();
  }
}

/**
 * Starts several clusters at once (for scenarios that interleave runs across configurations, so
 * machine noise hits each alike), runs `work` and stops them all.
 */
export async function withBenchClusters<T>(
  options: readonly BenchClusterOptions[],
  work: (clusters: TestCluster[]) => Promise<T>,
): Promise<T> {
  const started = await Promise.allSettled(options.map((o) => startCluster({ threadsPerNode: 1, readyTimeoutMs: 30_000, ...o, env: { ...BENCH_CLUSTER_ENV, ...o.env } })));
  const clusters = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  try {
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    return await work(clusters);
  } finally {
    await Promise.all(clusters.map((c) => c.stop()));
  }
}

/** Process ids of every running node of the cluster (for its total peak RSS). */
export function clusterPids(cluster: TestCluster): number[] {
  return cluster.nodes.flatMap((n) => (n.running && n.pid !== undefined ? [n.pid] : []));
}
