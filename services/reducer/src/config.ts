import { createEnvReader, readWorkerSettings, type WorkerSettings } from '@weft/config';
import { logLevels, type LogLevel } from '@weft/telemetry';

/** The reducer's configuration; see the service README for each variable. */
export interface ReducerConfig extends WorkerSettings {
  /** Map outputs fetched at once per reduce task (REDUCER_FETCH_CONCURRENCY, default 8). */
  readonly fetchConcurrency: number;
  /** Time allowed per map-output fetch attempt, ms (REDUCER_FETCH_TIMEOUT, default 30s; 0 = none). */
  readonly fetchTimeoutMs: number;
  /** Fetched map output held per reduce task before it is merged down (REDUCER_MERGE_MEMORY, default 256MiB). */
  readonly mergeMemoryBytes: number;
  /**
   * For jobs with a combiner, merge fetched runs on the pool while other fetches are still running
   * (REDUCER_MERGE_WHILE_FETCHING, default true); it stops by itself for a partition whose merges do not fold records.
   */
  readonly mergeWhileFetching: boolean;
  /** Directory for fetched runs past the memory budget and output runs (REDUCER_SPILL_DIR, default `<tmp>/weft-reducer-<node id>-<pid>-t<start token>`, where dirs of reducers that died are swept at start); emptied at start, removed at stop. */
  readonly spillDir: string;
  /** Modules of user-defined jobs every worker thread loads (WEFT_FUNCTION_MODULES). */
  readonly functionModules: string[];
  /** Port of the Prometheus `/metrics` endpoint (REDUCER_METRICS_PORT; unset = none, 0 = OS-chosen). */
  readonly metricsPort: number;
  /** Log level (WEFT_LOG_LEVEL, default info). */
  readonly logLevel: LogLevel;
}

/**
 * Reads the reducer's configuration from `env`: REDUCER_HOST, REDUCER_PORT (7402),
 * REDUCER_ADVERTISE_URL, COORDINATOR_URL (required), REDUCER_NODE_ID, REDUCER_POOL_MAX_THREADS,
 * REDUCER_FETCH_CONCURRENCY, REDUCER_FETCH_TIMEOUT, REDUCER_MERGE_MEMORY, REDUCER_MERGE_WHILE_FETCHING, REDUCER_SPILL_DIR, WEFT_FUNCTION_MODULES, WEFT_LOG_LEVEL. Throws a ConfigError listing
 * every problem.
 */
export function loadConfig(env: NodeJS.ProcessEnv): ReducerConfig {
  const read = createEnvReader(env);
  const config: ReducerConfig = {
    ...readWorkerSettings(read, 'REDUCER', 7402),
    fetchConcurrency: read.int('REDUCER_FETCH_CONCURRENCY', 8, { min: 1, max: 1024 }),
    fetchTimeoutMs: read.durationMs('REDUCER_FETCH_TIMEOUT', '30s'),
    mergeMemoryBytes: read.bytes('REDUCER_MERGE_MEMORY', '256MiB'),
    mergeWhileFetching: read.bool('REDUCER_MERGE_WHILE_FETCHING', true),
    spillDir: read.string('REDUCER_SPILL_DIR', ''),
    functionModules: read.list('WEFT_FUNCTION_MODULES', []),
    metricsPort: read.port('REDUCER_METRICS_PORT', -1),
    logLevel: read.oneOf('WEFT_LOG_LEVEL', logLevels, 'info'),
  };
  read.assertValid();
  return config;
}
