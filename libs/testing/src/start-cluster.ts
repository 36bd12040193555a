import { createWeftClient } from '@weft/client';
import type { WeftClient } from '@weft/client';
import { startLocalCluster } from '@weft/launcher';
import type { LocalCluster, NodeHandle } from '@weft/launcher';
import { metricsUrlOf } from './metrics-url.js';
import { startOtlpReceiver, type OtlpReceiver, type TraceWaitOptions } from './otlp-receiver.js';
import type { ReceivedSpan } from './received-span.js';
import { TestCertificates } from './test-certs.js';

/** Options of `startCluster`. */
export interface TestClusterOptions {
  /** Mapper processes. Default 2. */
  readonly mappers?: number;
  /** Reducer processes. Default 1. */
  readonly reducers?: number;
  /** Worker threads per mapper and reducer. Default 2 (tests share a small machine). */
  readonly threadsPerNode?: number;
  /** Extra environment for every process (e.g. `{ WEFT_TEST_MODE: '1' }`). */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Bearer token of the cluster's `client` (and of the readiness checks, which call DescribeCluster:
   * give it the `admin` scope). Needed when `env` sets GATEWAY_TOKENS_FILE; without one the gateway
   * runs in development mode (GATEWAY_DEV_MODE=true, no authentication).
   */
  readonly token?: string;
  /** Keep the per-node logs here instead of a temp dir removed by `stop()`. */
  readonly logDir?: string;
  /** Time allowed for the whole cluster to become ready, in milliseconds. Default 60000. */
  readonly readyTimeoutMs?: number;
  /**
   * Collect every process's spans: an OTLP/HTTP receiver starts in this process and each service
   * gets OTEL_EXPORTER_OTLP_ENDPOINT pointing at it (and `protocol` as OTEL_EXPORTER_OTLP_PROTOCOL,
   * default http/protobuf). Read them with `spans()` and `trace()`. Default false.
   */
  readonly tracing?: boolean | { readonly protocol?: 'http/protobuf' | 'http/json' };
  /** Serve Prometheus `/metrics` on an OS-chosen port in every process (see `metricsUrl`). Default false. */
  readonly metrics?: boolean;
  /**
   * Mutual TLS between the services: a throwaway CA (see `certificates`) issues each node its own
   * certificate, passed as WEFT_TLS_*. The gateway's public port stays as it was. Default false.
   */
  readonly tls?: boolean;
}

/** A real local cluster for a test, with a client and a handle on every process. */
export interface TestCluster {
  /** A client of the gateway. */
  readonly client: WeftClient;
  /** Base URL of the gateway. */
  readonly gatewayUrl: string;
  /** Every process, in start order. */
  readonly nodes: readonly NodeHandle[];
  /** The coordinator process. */
  readonly coordinator: NodeHandle;
  /** The gateway process. */
  readonly gateway: NodeHandle;
  /** Directory holding one `<name>.log` per node. */
  readonly logDir: string;
  /** The i-th mapper (0-based, in start order). Throws a `RangeError` when there is none. */
  mapper(i: number): NodeHandle;
  /** The i-th reducer (0-based, in start order). Throws a `RangeError` when there is none. */
  reducer(i: number): NodeHandle;
  /** Starts one more mapper or reducer; resolves once the gateway lists it ALIVE. */
  addNode(role: 'mapper' | 'reducer'): Promise<NodeHandle>;
  /** The last log lines of every node, one block per node: print them when a test fails. */
  logs(): string;
  /** The OTLP receiver collecting the cluster's spans (with `tracing`). */
  readonly otlp: OtlpReceiver | undefined;
  /** Every span received so far (with `tracing`; empty otherwise). */
  spans(): ReceivedSpan[];
  /** The spans of one trace once it is complete, sorted by start (with `tracing`). Throws an Error without it. */
  trace(traceId: string, options?: TraceWaitOptions): Promise<ReceivedSpan[]>;
  /** `http://127.0.0.1:PORT/metrics` of a node (with `metrics`), from its latest ready line. Throws an Error naming the node when it has none. */
  metricsUrl(node: NodeHandle): Promise<string>;
  /** The cluster CA and its certificates (with `tls`), e.g. to issue one for an extra process. */
  readonly certificates: TestCertificates | undefined;
  /** Stops every process and resolves once each has exited. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts coordinator, mappers, reducers and gateway as OS processes on loopback port 0, and
 * resolves once the gateway's DescribeCluster lists every running worker ALIVE. Services must be
 * built (`npx nx run-many -t build`). Rejects with the failing process's last log lines.
 */
export async function startCluster(options: TestClusterOptions = {}): Promise<TestCluster> {
  let client: WeftClient | undefined;
  const readyTimeoutMs = options.readyTimeoutMs ?? 60_000;
  const otlp = options.tracing ? await startOtlpReceiver() : undefined;
  const env: Record<string, string> = { ...options.env };
  if (otlp) {
    Object.assign(env, {
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: (typeof options.tracing === 'object' && options.tracing.protocol) || 'http/protobuf',
      // Export within a fraction of a second, so tests do not wait on the 5 s default.
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
  }
  if (options.metrics) {
    for (const role of ['COORDINATOR', 'GATEWAY', 'MAPPER', 'REDUCER']) env[`${role}_METRICS_PORT`] = '0';
  }
  const certificates = options.tls ? new TestCertificates() : undefined;
  const local = await startLocalCluster({
    mappers: options.mappers ?? 2,
    reducers: options.reducers ?? 1,
    threadsPerNode: options.threadsPerNode ?? 2,
    env,
    envOf: certificates ? (_role, name) => certificates.issue(name).env : undefined,
    logDir: options.logDir,
    startTimeoutMs: readyTimeoutMs,
    waitUntilReady: async (cluster) => {
      client ??= createWeftClient({ url: cluster.gatewayUrl, token: options.token });
      await client.waitForNodes({ nodeIds: runningWorkerIds(cluster), timeoutMs: readyTimeoutMs });
    },
  }).catch(async (error: unknown) => {
    await otlp?.close();
    certificates?.remove();
    throw error;
  });
  return toTestCluster(local, client ?? createWeftClient({ url: local.gatewayUrl, token: options.token }), otlp, certificates);
}

/** Ids of the mappers and reducers whose process runs now: killed ones are not waited for. */
function runningWorkerIds(cluster: LocalCluster): string[] {
  return cluster.nodes.filter((n) => (n.role === 'mapper' || n.role === 'reducer') && n.running).map((n) => n.id);
}

function toTestCluster(local: LocalCluster, client: WeftClient, otlp: OtlpReceiver | undefined, certificates: TestCertificates | undefined): TestCluster {
  const byRole = (role: NodeHandle['role']) => local.nodes.filter((n) => n.role === role);
  const pick = (role: 'mapper' | 'reducer', i: number): NodeHandle => {
    const found = byRole(role)[i];
    if (!found) throw new RangeError(`no ${role} ${i}: the cluster has ${byRole(role).length} ${role}s (0-based index)`);
    return found;
  };
  return {
    client,
    gatewayUrl: local.gatewayUrl,
    nodes: local.nodes,
    coordinator: byRole('coordinator')[0]!,
    gateway: byRole('gateway')[0]!,
    logDir: local.logDir,
    mapper: (i) => pick('mapper', i),
    reducer: (i) => pick('reducer', i),
    addNode: (role) => local.addNode(role),
    logs: () => local.nodes.map((n) => `--- ${n.name} (${n.logFile})\n${n.lastLogLines().join('\n')}`).join('\n'),
    otlp,
    spans: () => otlp?.spans() ?? [],
    trace: (traceId, options) => {
      if (!otlp) throw new Error('trace() needs startCluster({ tracing: true })');
      return otlp.trace(traceId, options);
    },
    metricsUrl: (node) => metricsUrlOf(node),
    certificates,
    stop: async () => {
      await local.stop();
      await otlp?.close();
      certificates?.remove();
    },
  };
}
