// Typed configuration from the environment. Each service has one `loadConfig(env)` built on
// `createEnvReader`, called only from its main.ts.
export { createEnvReader, parseBytes, parseDurationMs } from './env-reader.js';
export type { EnvReader } from './env-reader.js';
export { readWorkerSettings } from './worker-settings.js';
export type { WorkerSettings } from './worker-settings.js';
export { readFaultSettings } from './fault-settings.js';
export type { FaultSettings } from './fault-settings.js';
export { readInternalTls } from './internal-tls.js';
export type { InternalTlsFiles } from './internal-tls.js';
