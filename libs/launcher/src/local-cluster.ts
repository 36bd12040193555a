import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClusterNode } from './cluster-node.js';
import type { NodeHandle, NodeSpawner, ServiceRole } from './cluster-node.js';
import { ServiceProcess } from './service-process.js';
import { findWorkspaceRoot } from './workspace-root.js';

/** Options of `startLocalCluster`. */
export interface LocalClusterOptions {
  /** Mapper processes to start (at least 1). */
  readonly mappers: number;
  /** Reducer processes to start (at least 1). */
  readonly reducers: number;
  /** Worker threads per mapper and reducer; the services' default (cores) when omitted. */
  readonly threadsPerNode?: number;
  /** Extra environment for every process, on top of this process's env (e.g. WEFT_TEST_MODE). */
  readonly env?: Readonly<Record<string, string>>;
  /** Extra environment of one process, by role and node name (e.g. its own TLS certificate), over `env`. */
  readonly envOf?: (role: ServiceRole, name: string) => Readonly<Record<string, string>>;
  /** Directory for one log file per node; a fresh temp dir (removed by `stop()`) when omitted. */
  readonly logDir?: string;
  /** Port of the gateway; 0 (default) lets the OS choose. */
  readonly gatewayPort?: number;
  /** Time allowed for each process to log its ready line, in milliseconds. Default 30000. */
  readonly startTimeoutMs?: number;
  /** Time `stop()` gives each process after SIGTERM before SIGKILL, in milliseconds. Default 5000. */
  readonly stopGraceMs?: number;
  /**
   * Waits until the cluster can serve calls, after every ready line and after each `addNode` and
   * `restart`: typically polls the gateway's DescribeCluster until every running mapper and
   * reducer is ALIVE (the launcher has no RPC client of its own, to keep it dependency-free).
   */
  readonly waitUntilReady?: (cluster: LocalCluster) => Promise<void>;
  /** Entry file per role; default `<workspace>/services/<role>/dist/main.js`. */
  readonly entryPoints?: Partial<Readonly<Record<ServiceRole, string>>>;
}

/** A running local cluster: every service its own OS process on loopback. */
export interface LocalCluster {
  /** Base URL of the gateway, e.g. "http://127.0.0.1:40123". */
  readonly gatewayUrl: string;
  /** Base URL of the coordinator. */
  readonly coordinatorUrl: string;
  /** Every node: coordinator, mappers, reducers, gateway, then added nodes, in start order. */
  readonly nodes: readonly NodeHandle[];
  /** Directory holding one `<name>.log` per node. */
  readonly logDir: string;
  /** Starts one more mapper or reducer and resolves once the cluster sees it. */
  addNode(role: 'mapper' | 'reducer'): Promise<NodeHandle>;
  /**
   * Stops every process (gateway, then workers, then coordinator: SIGTERM, SIGKILL after the
   * grace period) and resolves once every one has exited. Idempotent.
   */
  stop(): Promise<void>;
}

/**
 * Starts a local cluster: the coordinator, then the mappers and reducers, then the gateway, each
 * from its built `dist/main.js` with port 0. Rejects (after stopping whatever started) with the
 * failing process's last log lines if one dies or hangs during start. Throws a `RangeError` for
 * bad counts and an `Error` naming the missing file when services are not built.
 */
export async function startLocalCluster(options: LocalClusterOptions): Promise<LocalCluster> {
  for (const key of ['mappers', 'reducers'] as const) {
    if (!Number.isInteger(options[key]) || options[key] < 1) {
      throw new RangeError(`options.${key} must be a positive integer, got ${options[key]}`);
    }
  }
  const entries = resolveEntries(options.entryPoints);
  const ownsLogDir = options.logDir === undefined;
  const logDir = options.logDir ?? (await mkdtemp(join(tmpdir(), 'weft-cluster-')));
  await mkdir(logDir, { recursive: true });
  // The journal is state, not a log: always fresh, always removed, even when logs are kept.
  const dataDir = await mkdtemp(join(tmpdir(), 'weft-coordinator-'));
  const startTimeoutMs = options.startTimeoutMs ?? 30_000;
  const stopGraceMs = options.stopGraceMs ?? 5000;
  const baseEnv: NodeJS.ProcessEnv = { WEFT_LOG_LEVEL: 'info', ...process.env, ...options.env };
  const nodes: ClusterNode[] = [];
  let coordinatorUrl = '';
  let stopping: Promise<void> | undefined;

  const cluster: LocalCluster = {
    get gatewayUrl() {
      return nodes.find((n) => n.role === 'gateway')?.url ?? '';
    },
    get coordinatorUrl() {
      return coordinatorUrl;
    },
    nodes,
    logDir,
    addNode: async (role) => {
      const node = await startNode(role, `${role}-${nodes.filter((n) => n.role === role).length + 1}`);
      await options.waitUntilReady?.(cluster);
      return node;
    },
    stop: () => (stopping ??= stopAll(ownsLogDir)),
  };

  function roleEnv(role: ServiceRole, name: string, port: number): NodeJS.ProcessEnv {
    const prefix = role.toUpperCase();
    const env: NodeJS.ProcessEnv = { ...baseEnv, [`${prefix}_HOST`]: '127.0.0.1', [`${prefix}_PORT`]: String(port) };
    Object.assign(env, options.envOf?.(role, name));
    if (role === 'coordinator') env.COORDINATOR_DATA_DIR = dataDir;
    else env.COORDINATOR_URL = coordinatorUrl;
    // A local cluster is a development cluster: no authentication unless the caller brings a tokens file.
    if (role === 'gateway' && !env.GATEWAY_TOKENS_FILE) env.GATEWAY_DEV_MODE ??= 'true';
    if (role === 'mapper' || role === 'reducer') {
      // A fixed id survives restarts, so tests can say "mapper-1" before and after.
      env[`${prefix}_NODE_ID`] = name;
      if (options.threadsPerNode !== undefined) env[`${prefix}_POOL_MAX_THREADS`] = String(options.threadsPerNode);
    }
    return env;
  }

  async function startNode(role: ServiceRole, name: string, firstPort = 0): Promise<ClusterNode> {
    const logFile = join(logDir, `${name}.log`);
    let first = true;
    const spawner: NodeSpawner = {
      spawn: (port) => {
        const p = first ? firstPort : port;
        first = false;
        return new ServiceProcess({ name, entry: entries[role], env: roleEnv(role, name, p), logFile, startTimeoutMs });
      },
      afterRestart: async () => {
        await options.waitUntilReady?.(cluster);
      },
      stopGraceMs,
    };
    const node = await ClusterNode.start(role, name, logFile, spawner);
    nodes.push(node);
    return node;
  }

  async function stopAll(removeLogs: boolean): Promise<void> {
    const byRole = (roles: ServiceRole[]) => nodes.filter((n) => roles.includes(n.role));
    // Front to back, so no layer sees its upstream vanish while it still serves callers.
    for (const group of [byRole(['gateway']), byRole(['mapper', 'reducer']), byRole(['coordinator'])]) {
      await Promise.all(group.map((n) => n.stop()));
    }
    await rm(dataDir, { recursive: true, force: true });
    if (removeLogs) await rm(logDir, { recursive: true, force: true });
  }

  try {
    const coordinator = await startNode('coordinator', 'coordinator');
    coordinatorUrl = coordinator.url;
    const workers: Promise<ClusterNode>[] = [];
    for (let i = 1; i <= options.mappers; i++) workers.push(startNode('mapper', `mapper-${i}`));
    for (let i = 1; i <= options.reducers; i++) workers.push(startNode('reducer', `reducer-${i}`));
    // allSettled: every worker must be tracked before a failure stops the cluster.
    const started = await Promise.allSettled(workers);
    const failed = started.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    // Workers became ready in any order; list them in start order (mapper-1 before mapper-2).
    nodes.splice(1, nodes.length - 1, ...started.map((r) => (r as PromiseFulfilledResult<ClusterNode>).value));
    await startNode('gateway', 'gateway', options.gatewayPort ?? 0);
    await options.waitUntilReady?.(cluster);
  } catch (err) {
    // Keep the logs of a failed start: the error names the file to read.
    await (stopping ??= stopAll(false));
    throw err;
  }
  return cluster;
}

function resolveEntries(overrides: LocalClusterOptions['entryPoints'] = {}): Record<ServiceRole, string> {
  const root = findWorkspaceRoot();
  const roles: ServiceRole[] = ['coordinator', 'gateway', 'mapper', 'reducer'];
  const entries = Object.fromEntries(
    roles.map((role) => [role, overrides[role] ?? join(root, 'services', role, 'dist', 'main.js')]),
  ) as Record<ServiceRole, string>;
  for (const role of roles) {
    if (!existsSync(entries[role])) {
      throw new Error(`${entries[role]} does not exist: build the services first (npx nx run-many -t build)`);
    }
  }
  return entries;
}
