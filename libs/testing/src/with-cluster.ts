import { startCluster } from './start-cluster.js';
import type { TestCluster, TestClusterOptions } from './start-cluster.js';

/**
 * Starts a cluster, runs `fn` with it, and always stops it (every process exited) before
 * returning `fn`'s result or rethrowing its error. When `fn` fails, the error's message gets the
 * nodes' last log lines appended, since the temp logs are gone after the stop.
 */
export async function withCluster<T>(options: TestClusterOptions, fn: (cluster: TestCluster) => Promise<T>): Promise<T> {
  const cluster = await startCluster(options);
  try {
    return await fn(cluster);
  } catch (err) {
    // Duck-typed: jest's sandbox breaks instanceof Error for errors made by Node itself.
    if (typeof err === 'object' && err !== null && typeof (err as Error).message === 'string') {
      (err as Error).message += `\n\nnode logs:\n${cluster.logs()}`;
    }
    throw err;
  } finally {
    await cluster.stop();
  }
}
