import { availableParallelism } from 'node:os';
import path from 'node:path';
import { createEnvReader, readInternalTls, type InternalTlsFiles } from '@weft/config';
import { logLevels, type LogLevel } from '@weft/telemetry';
import type { SplitSizing } from './map-planner.js';
import type { NodePolicyOptions } from './node-policies.js';
import type { SpeculationOptions } from './straggler-detector.js';

/** The coordinator's configuration; see the service README for each variable. */
export interface CoordinatorConfig {
  /** Interface to bind (COORDINATOR_HOST, default 127.0.0.1). */
  readonly host: string;
  /** Port (COORDINATOR_PORT, default 7400; 0 = OS-chosen). */
  readonly port: number;
  /** Where the journal lives (COORDINATOR_DATA_DIR, default ./.weft/coordinator). */
  readonly dataDir: string;
  /** Heartbeat interval asked of workers, ms (COORDINATOR_HEARTBEAT_INTERVAL, default 1s). */
  readonly heartbeatIntervalMs: number;
  /** Silence after which a worker is declared dead, ms (COORDINATOR_NODE_TIMEOUT, default 5s). */
  readonly nodeTimeoutMs: number;
  /**
   * How a job's input is cut into map tasks: splits of about input / (map slots x splitsPerSlot),
   * within [minBytes, maxBytes] (COORDINATOR_SPLIT_SIZE = the largest, default 128MiB;
   * COORDINATOR_MIN_SPLIT_SIZE, default 4MiB; COORDINATOR_SPLITS_PER_SLOT, default 1).
   */
  readonly split: Omit<SplitSizing, 'mapSlots'>;
  /** Attempts per task before a job fails (COORDINATOR_MAX_ATTEMPTS, default 4). */
  readonly maxAttempts: number;
  /** Time allowed per task attempt, ms (COORDINATOR_TASK_TIMEOUT, default 10m). */
  readonly taskTimeoutMs: number;
  /** Jobs run at once; more wait QUEUED (COORDINATOR_MAX_RUNNING_JOBS, default 4x cores). */
  readonly maxRunningJobs: number;
  /** Port of the Prometheus `/metrics` endpoint (COORDINATOR_METRICS_PORT; unset = none, 0 = OS-chosen). */
  readonly metricsPort: number;
  /** Directories file inputs must lie under (COORDINATOR_INPUT_ROOTS, comma-separated absolute paths, default `/` = any). */
  readonly inputRoots: string[];
  /**
   * Whether mappers see the coordinator's files (file inputs and uploads) at the same paths
   * (COORDINATOR_SHARED_FILES, default true): each mapper then reads its split itself; when false
   * the coordinator reads each split's lines and streams them to the mapper on the task's stream.
   */
  readonly sharedFiles: boolean;
  /** Hosts URL inputs may name (WEFT_URL_ALLOWED_HOSTS, comma-separated, default loopback only). */
  readonly urlAllowedHosts: string[];
  /** Modules of user jobs and functions, loaded to validate requests (WEFT_FUNCTION_MODULES, comma-separated paths). */
  readonly functionModules: string[];
  /** Log level (WEFT_LOG_LEVEL, default info). */
  readonly logLevel: LogLevel;
  /** Breakers, bulkheads, retries and probes per node (COORDINATOR_BREAKER_*, _BULKHEAD_QUEUE, _CALL_RETRIES, _RETRY_*, _PROBE_*). */
  readonly policies: NodePolicyOptions;
  /** Backup attempts for stragglers (COORDINATOR_BACKUP_*). */
  readonly speculation: SpeculationOptions;
  /** Mutual TLS between services (WEFT_TLS_CA_FILE, _CERT_FILE, _KEY_FILE; all or none; unset = cleartext). */
  readonly tls: InternalTlsFiles | undefined;
  /** Cleartext port serving only grpc.health.v1, for probes that cannot speak TLS (COORDINATOR_HEALTH_PORT; unset = none, 0 = OS-chosen). */
  readonly healthPort: number;
  /** Jobs whose spans are kept in memory for GetJobTrace (COORDINATOR_TRACE_RETENTION, default 200; 0 = none). */
  readonly traceRetention: number;
}

/** Reads the coordinator's configuration from `env`; throws a ConfigError listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv): CoordinatorConfig {
  const read = createEnvReader(env);
  const config: CoordinatorConfig = {
    host: read.string('COORDINATOR_HOST', '127.0.0.1'),
    port: read.port('COORDINATOR_PORT', 7400),
    dataDir: path.resolve(read.string('COORDINATOR_DATA_DIR', '.weft/coordinator')),
    heartbeatIntervalMs: read.durationMs('COORDINATOR_HEARTBEAT_INTERVAL', '1s'),
    nodeTimeoutMs: read.durationMs('COORDINATOR_NODE_TIMEOUT', '5s'),
    split: {
      maxBytes: read.bytes('COORDINATOR_SPLIT_SIZE', '128MiB'),
      minBytes: read.bytes('COORDINATOR_MIN_SPLIT_SIZE', '4MiB'),
      splitsPerSlot: read.int('COORDINATOR_SPLITS_PER_SLOT', 1, { min: 1, max: 1000 }),
    },
    maxAttempts: read.int('COORDINATOR_MAX_ATTEMPTS', 4, { min: 1, max: 100 }),
    taskTimeoutMs: read.durationMs('COORDINATOR_TASK_TIMEOUT', '10m'),
    maxRunningJobs: read.int('COORDINATOR_MAX_RUNNING_JOBS', 4 * availableParallelism(), { min: 1, max: 10_000 }),
    metricsPort: read.port('COORDINATOR_METRICS_PORT', -1),
    inputRoots: read.list('COORDINATOR_INPUT_ROOTS', ['/']).map((root) => path.resolve(root)),
    sharedFiles: read.bool('COORDINATOR_SHARED_FILES', true),
    urlAllowedHosts: read.list('WEFT_URL_ALLOWED_HOSTS', ['127.0.0.1', 'localhost', '::1']).map((host) => host.toLowerCase()),
    functionModules: read.list('WEFT_FUNCTION_MODULES', []),
    logLevel: read.oneOf('WEFT_LOG_LEVEL', logLevels, 'info'),
    policies: {
      breakerThreshold: read.int('COORDINATOR_BREAKER_THRESHOLD', 3, { min: 1, max: 1000 }),
      breakerHalfOpenAfterMs: read.durationMs('COORDINATOR_BREAKER_HALF_OPEN_AFTER', '5s'),
      bulkheadQueue: read.int('COORDINATOR_BULKHEAD_QUEUE', 4, { min: 0, max: 100_000 }),
      callRetries: read.int('COORDINATOR_CALL_RETRIES', 2, { min: 0, max: 100 }),
      retryInitialDelayMs: read.durationMs('COORDINATOR_RETRY_INITIAL_DELAY', '100ms'),
      retryMaxDelayMs: read.durationMs('COORDINATOR_RETRY_MAX_DELAY', '2s'),
      probeIntervalMs: read.durationMs('COORDINATOR_PROBE_INTERVAL', '1s'),
      probeTimeoutMs: read.durationMs('COORDINATOR_PROBE_TIMEOUT', '2s'),
    },
    speculation: {
      enabled: read.bool('COORDINATOR_BACKUP_TASKS', true),
      slowdown: read.number('COORDINATOR_BACKUP_SLOWDOWN', 2, { min: 1, max: 1000 }),
      minElapsedMs: read.durationMs('COORDINATOR_BACKUP_MIN_ELAPSED', '1s'),
      maxFraction: read.number('COORDINATOR_BACKUP_MAX_FRACTION', 0.1, { min: 0, max: 1 }),
    },
    tls: readInternalTls(read),
    healthPort: read.port('COORDINATOR_HEALTH_PORT', -1),
    traceRetention: read.int('COORDINATOR_TRACE_RETENTION', 200, { min: 0, max: 100_000 }),
  };
  read.assertValid();
  return config;
}
