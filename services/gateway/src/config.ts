import { createEnvReader } from '@weft/config';
import { logLevels, type LogLevel } from '@weft/telemetry';

/** The gateway's configuration; see the service README for each variable. */
export interface GatewayConfig {
  /** Interface to bind (GATEWAY_HOST, default 127.0.0.1). */
  readonly host: string;
  /** Public port for Connect, gRPC and gRPC-Web over HTTP/1.1 and h2c (GATEWAY_PORT, default 8080). */
  readonly port: number;
  /** Coordinator base URL (COORDINATOR_URL, required). */
  readonly coordinatorUrl: string;
  /** Port of the Prometheus `/metrics` endpoint (GATEWAY_METRICS_PORT; unset = none, 0 = OS-chosen). */
  readonly metricsPort: number;
  /** Log level (WEFT_LOG_LEVEL, default info). */
  readonly logLevel: LogLevel;
  /**
   * Admission control of SubmitJob, UploadJob and Scatter: calls running at once
   * (GATEWAY_ADMISSION_LIMIT, default 64) and calls waiting beyond them (GATEWAY_ADMISSION_QUEUE,
   * default 64); more are refused RESOURCE_EXHAUSTED at once.
   */
  readonly admission: { readonly limit: number; readonly queue: number };
}

/** Reads the gateway's configuration from `env`; throws a ConfigError listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv): GatewayConfig {
  const read = createEnvReader(env);
  const config: GatewayConfig = {
    host: read.string('GATEWAY_HOST', '127.0.0.1'),
    port: read.port('GATEWAY_PORT', 8080),
    coordinatorUrl: read.url('COORDINATOR_URL'),
    metricsPort: read.port('GATEWAY_METRICS_PORT', -1),
    logLevel: read.oneOf('WEFT_LOG_LEVEL', logLevels, 'info'),
    admission: {
      limit: read.int('GATEWAY_ADMISSION_LIMIT', 64, { min: 1, max: 100_000 }),
      queue: read.int('GATEWAY_ADMISSION_QUEUE', 64, { min: 0, max: 1_000_000 }),
    },
  };
  read.assertValid();
  return config;
}
