// Telemetry shared by every service: structured logs, OpenTelemetry traces and metrics.
export { createLogger, logLevels } from './logger.js';
export type { Logger, LoggerOptions, LogLevel } from './logger.js';
export { startTelemetry } from './start-telemetry.js';
export type { Telemetry, TelemetryOptions } from './start-telemetry.js';
export { weftTracer, withSpan, recordFailure, recordThreadSpan, activeTraceFields, activeTraceId, instrumentationScope } from './spans.js';
export { weftMeter, observePool, secondsBuckets } from './meter.js';
export type { PoolLoad } from './meter.js';
export { RecentTraces } from './recent-traces.js';
export type { KeptTrace, RecentTracesOptions } from './recent-traces.js';
