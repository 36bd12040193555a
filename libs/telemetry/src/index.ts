// Telemetry shared by every service: structured logs (and, as they land, traces and metrics).
export { createLogger, logLevels } from './logger.js';
export type { Logger, LoggerOptions, LogLevel } from './logger.js';
