import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster } from '@weft/testing';
import type { TestCluster, TestClusterOptions } from '@weft/testing';
import { waitForExit } from './process-alive.js';

/** Time a suite's beforeAll may take: starting seven processes on two busy cores, plus input files. */
export const SETUP_TIMEOUT_MS = 120_000;

/** One cluster shared by the tests of a spec file, and a temp dir for its inputs and logs. */
export interface ClusterSuite {
  /** The suite's temp dir: inputs go here, logs in `<dir>/logs`. Set once beforeAll ran. */
  readonly dir: string;
  /** The running cluster; throws if beforeAll failed to start it. */
  readonly cluster: TestCluster;
  /**
   * Runs a test body against the cluster. When it fails, the error message gets the nodes' last
   * log lines and the path of the full logs, which are then kept on disk instead of removed.
   */
  run<T>(fn: (cluster: TestCluster) => Promise<T>): Promise<T>;
}

/**
 * Registers beforeAll/afterAll hooks that start one cluster for the spec file (at the same time as
 * `prepare` writes the inputs into the suite's temp dir) and always stop it. afterAll fails the
 * file if any service process outlives `stop()`: a leaked process is a bug.
 */
export function useClusterSuite(
  name: string,
  options: Omit<TestClusterOptions, 'logDir'>,
  prepare: (dir: string) => Promise<void> = async () => {},
): ClusterSuite {
  let dir = '';
  let cluster: TestCluster | undefined;
  let failed = false;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), `weft-it-${name}-`));
    // Inputs are generated while the services start: the two barely compete (files vs. processes).
    const [started, prepared] = await Promise.allSettled([startCluster({ ...options, logDir: join(dir, 'logs') }), prepare(dir)]);
    if (started.status === 'fulfilled') cluster = started.value;
    if (started.status === 'rejected' || prepared.status === 'rejected') {
      failed = true;
      throw started.status === 'rejected' ? started.reason : (prepared as PromiseRejectedResult).reason;
    }
  }, SETUP_TIMEOUT_MS);

  afterAll(async () => {
    if (!cluster) {
      // startCluster already stopped whatever it started; its error names the failing node's log.
      if (dir) process.stderr.write(`[${name}] the cluster did not start: kept the inputs and node logs in ${dir}\n`);
      return;
    }
    const pids = cluster.nodes.map((n) => n.pid).filter((pid): pid is number => pid !== undefined);
    await cluster.stop();
    const leaked = await waitForExit(pids);
    if (leaked.length > 0) failed = true;
    if (failed) process.stderr.write(`[${name}] kept the inputs and full node logs in ${dir}\n`);
    else await rm(dir, { recursive: true, force: true });
    expect({ leaked, running: cluster.nodes.filter((n) => n.running).map((n) => n.name) }).toEqual({ leaked: [], running: [] });
  }, SETUP_TIMEOUT_MS);

  return {
    get dir() {
      return dir;
    },
    get cluster() {
      if (!cluster) throw new Error(`the ${name} cluster did not start (see the beforeAll error)`);
      return cluster;
    },
    async run(fn) {
      const c = this.cluster;
      try {
        return await fn(c);
      } catch (err) {
        failed = true;
        // Duck-typed: jest's sandbox breaks instanceof Error for errors made by Node itself.
        if (typeof err === 'object' && err !== null && typeof (err as Error).message === 'string') {
          (err as Error).message += `\n\nfull node logs: ${c.logDir}\nlast log lines:\n${c.logs()}`;
        }
        throw err;
      }
    },
  };
}
