import { availableParallelism } from 'node:os';
import type { EnvReader } from './env-reader.js';
import { readFaultSettings, type FaultSettings } from './fault-settings.js';
import { readInternalTls, type InternalTlsFiles } from './internal-tls.js';

/** The settings every worker service reads, under its own prefix (MAPPER_, REDUCER_). */
export interface WorkerSettings {
  readonly host: string;
  readonly port: number;
  readonly advertiseUrl: string;
  readonly coordinatorUrl: string;
  readonly nodeId: string;
  readonly poolMaxThreads: number;
  /** Test-mode fault injection (see {@link readFaultSettings}). */
  readonly faults: FaultSettings;
  /** Mutual TLS between services (WEFT_TLS_CA_FILE, _CERT_FILE, _KEY_FILE; unset = cleartext). */
  readonly tls: InternalTlsFiles | undefined;
  /** Cleartext port serving only grpc.health.v1, for probes that cannot speak TLS (`<PREFIX>_HEALTH_PORT`; unset = none, 0 = OS-chosen). */
  readonly healthPort: number;
}

/**
 * Reads `<PREFIX>_HOST` (127.0.0.1), `<PREFIX>_PORT` (`defaultPort`), `<PREFIX>_ADVERTISE_URL`
 * (derived from host and bound port), `COORDINATOR_URL` (required), `<PREFIX>_NODE_ID` (random)
 * and `<PREFIX>_POOL_MAX_THREADS` (available cores), plus the test-mode fault settings.
 */
export function readWorkerSettings(read: EnvReader, prefix: string, defaultPort: number): WorkerSettings {
  return {
    host: read.string(`${prefix}_HOST`, '127.0.0.1'),
    port: read.port(`${prefix}_PORT`, defaultPort),
    advertiseUrl: read.string(`${prefix}_ADVERTISE_URL`, ''),
    coordinatorUrl: read.url('COORDINATOR_URL'),
    nodeId: read.string(`${prefix}_NODE_ID`, ''),
    poolMaxThreads: read.int(`${prefix}_POOL_MAX_THREADS`, availableParallelism(), { min: 1, max: 256 }),
    faults: readFaultSettings(read),
    tls: readInternalTls(read),
    healthPort: read.port(`${prefix}_HEALTH_PORT`, -1),
  };
}
