import { createEnvReader, readWorkerSettings, type WorkerSettings } from '@weft/config';
import { logLevels, type LogLevel } from '@weft/telemetry';

/** The mapper's configuration; see the service README for each variable. */
export interface MapperConfig extends WorkerSettings {
  /** Modules of user-defined jobs every worker thread loads (WEFT_FUNCTION_MODULES, comma-separated paths). */
  readonly functionModules: string[];
  /** `io` scatter attempts running at once on this node (MAPPER_SCATTER_IO_CONCURRENCY, default 256). */
  readonly scatterIoConcurrency: number;
  /** Port of the Prometheus `/metrics` endpoint (MAPPER_METRICS_PORT; unset = none, 0 = OS-chosen). */
  readonly metricsPort: number;
  /** Hosts URL inputs and `http-get` may reach (WEFT_URL_ALLOWED_HOSTS, comma-separated, default loopback only). */
  readonly urlAllowedHosts: string[];
  /** Largest URL input body a map task reads, bytes (MAPPER_URL_MAX_BYTES, default 1GiB). */
  readonly urlMaxBytes: number;
  /** Log level (WEFT_LOG_LEVEL, default info). */
  readonly logLevel: LogLevel;
  /** Bytes of map output kept in memory; more is spilled to disk (MAPPER_OUTPUT_MEMORY, default 512MiB). */
  readonly outputMemoryBytes: number;
  /** Directory for spilled map output (MAPPER_SPILL_DIR, default `<tmp>/weft-mapper-<node id>-<pid>-t<start token>`, where dirs of mappers that died are swept at start); emptied at start, removed at stop. */
  readonly spillDir: string;
}

/**
 * Reads the mapper's configuration from `env`: MAPPER_HOST, MAPPER_PORT (7401),
 * MAPPER_ADVERTISE_URL, COORDINATOR_URL (required), MAPPER_NODE_ID, MAPPER_POOL_MAX_THREADS,
 * WEFT_FUNCTION_MODULES, MAPPER_SCATTER_IO_CONCURRENCY, WEFT_URL_ALLOWED_HOSTS, MAPPER_URL_MAX_BYTES, MAPPER_OUTPUT_MEMORY, MAPPER_SPILL_DIR, WEFT_LOG_LEVEL. Throws a ConfigError listing every problem.
 */
export function loadConfig(env: NodeJS.ProcessEnv): MapperConfig {
  const read = createEnvReader(env);
  const config: MapperConfig = {
    ...readWorkerSettings(read, 'MAPPER', 7401),
    functionModules: read.list('WEFT_FUNCTION_MODULES', []),
    scatterIoConcurrency: read.int('MAPPER_SCATTER_IO_CONCURRENCY', 256, { min: 1, max: 100_000 }),
    metricsPort: read.port('MAPPER_METRICS_PORT', -1),
    urlAllowedHosts: read.list('WEFT_URL_ALLOWED_HOSTS', ['127.0.0.1', 'localhost', '::1']).map((host) => host.toLowerCase()),
    urlMaxBytes: read.bytes('MAPPER_URL_MAX_BYTES', '1GiB'),
    logLevel: read.oneOf('WEFT_LOG_LEVEL', logLevels, 'info'),
    outputMemoryBytes: read.bytes('MAPPER_OUTPUT_MEMORY', '512MiB'),
    spillDir: read.string('MAPPER_SPILL_DIR', ''),
  };
  read.assertValid();
  return config;
}
