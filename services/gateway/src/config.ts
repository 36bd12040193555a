import { createEnvReader, readInternalTls, type InternalTlsFiles } from '@weft/config';
import { logLevels, type LogLevel } from '@weft/telemetry';
import type { RequestLimits } from './request-limits.js';
import type { TlsFilePaths } from './tls-files.js';

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
  /**
   * Bearer tokens file (GATEWAY_TOKENS_FILE): one `<token> <scope>[,<scope>...] [<name>]` per line,
   * re-read on change. Required unless in development mode, where it is used only if it exists.
   */
  readonly tokensFile: string | undefined;
  /**
   * Local-development mode (GATEWAY_DEV_MODE, default false): without a tokens file (unset or not
   * existing), every call is served without authentication. The launcher, `weft dev`, the test
   * harness and the dev Kubernetes overlay set it.
   */
  readonly devMode: boolean;
  /** Limits on every request (GATEWAY_MAX_*). */
  readonly limits: RequestLimits;
  /**
   * TLS on the public port from PEM files (GATEWAY_TLS_CERT_FILE and GATEWAY_TLS_KEY_FILE, both or
   * neither; re-read on change). Undefined: cleartext.
   */
  readonly tls: TlsFilePaths | undefined;
  /**
   * A second, cleartext port serving only grpc.health.v1 (GATEWAY_HEALTH_PORT; unset = none, 0 =
   * OS-chosen), for probes that cannot speak TLS (Kubernetes gRPC probes).
   */
  readonly healthPort: number;
  /** Mutual TLS to the coordinator (WEFT_TLS_CA_FILE, _CERT_FILE, _KEY_FILE; all or none; unset = cleartext). */
  readonly internalTls: InternalTlsFiles | undefined;
  /**
   * Serve the web dashboard's files on the public port for GET requests no RPC matches
   * (GATEWAY_DASHBOARD, default true). The dashboard calls only the public API, with the same auth.
   */
  readonly dashboard: boolean;
  /**
   * Which responses may be compressed when the client accepts it (GATEWAY_RESPONSE_COMPRESSION):
   * `remote` (default) for clients not on loopback, `always`, or `never`.
   */
  readonly responseCompression: 'remote' | 'always' | 'never';
}

/** Reads the gateway's configuration from `env`; throws a ConfigError listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv): GatewayConfig {
  const read = createEnvReader(env);
  const certFile = read.string('GATEWAY_TLS_CERT_FILE', '');
  const keyFile = read.string('GATEWAY_TLS_KEY_FILE', '');
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
    tokensFile: read.string('GATEWAY_TOKENS_FILE', '') || undefined,
    devMode: read.bool('GATEWAY_DEV_MODE', false),
    limits: {
      messageBytes: read.bytes('GATEWAY_MAX_MESSAGE_SIZE', '16MiB'),
      inlineRecords: read.int('GATEWAY_MAX_INLINE_RECORDS', 1_000_000, { min: 1 }),
      inputs: read.int('GATEWAY_MAX_INPUTS', 100_000, { min: 1 }),
      paramLength: read.int('GATEWAY_MAX_PARAM_LENGTH', 4096, { min: 1 }),
      regexLength: read.int('GATEWAY_MAX_REGEX_LENGTH', 256, { min: 1 }),
      pageSize: read.int('GATEWAY_MAX_PAGE_SIZE', 1000, { min: 1 }),
      resultLimit: read.int('GATEWAY_MAX_RESULT_LIMIT', 1_000_000, { min: 1 }),
      watchesPerCaller: read.int('GATEWAY_MAX_WATCHES_PER_CALLER', 64, { min: 1 }),
      uploadBytes: read.bytes('GATEWAY_MAX_UPLOAD_SIZE', '10GiB'),
    },
    tls: certFile && keyFile ? { certFile, keyFile } : undefined,
    healthPort: read.port('GATEWAY_HEALTH_PORT', -1),
    internalTls: readInternalTls(read),
    dashboard: read.bool('GATEWAY_DASHBOARD', true),
    responseCompression: read.oneOf('GATEWAY_RESPONSE_COMPRESSION', ['remote', 'always', 'never'] as const, 'remote'),
  };
  if (Boolean(certFile) !== Boolean(keyFile)) read.problem('GATEWAY_TLS_CERT_FILE and GATEWAY_TLS_KEY_FILE must be set together');
  if (config.tokensFile === undefined && !config.devMode) {
    read.problem('GATEWAY_TOKENS_FILE is required unless GATEWAY_DEV_MODE=true (local development only: no authentication)');
  }
  read.assertValid();
  return config;
}
