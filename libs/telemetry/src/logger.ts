import { pino, type Logger } from 'pino';
import { activeTraceFields } from './spans.js';

/** Log levels, lowest to highest. */
export const logLevels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
/** One of {@link logLevels}. */
export type LogLevel = (typeof logLevels)[number];

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** Service name, written on every line as `service`. */
  readonly service: string;
  /** Minimum level written; default `info`. */
  readonly level?: LogLevel;
  /** Extra fields written on every line, e.g. `{ nodeId }`. */
  readonly base?: Record<string, unknown>;
  /** Where lines go; default stdout (fd 1). */
  readonly destination?: NodeJS.WritableStream | number;
}

/**
 * Creates the structured JSON logger every Weft process uses: one JSON object per line on stdout,
 * with `trace_id` and `span_id` of the active span when there is one.
 * Writes are synchronous because the launcher reads the `ready` line from stdout and because the
 * last lines before a crash are the ones that matter; Weft logs per task, not per record, so the
 * cost is small.
 */
export function createLogger(options: LoggerOptions): Logger {
  const destination =
    typeof options.destination === 'object'
      ? options.destination
      : pino.destination({ dest: options.destination ?? 1, sync: true });
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: options.service, pid: process.pid, ...options.base },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // The active span's ids on every line written while handling a call or task (nothing when tracing is off).
      mixin: activeTraceFields,
    },
    destination,
  );
}

export type { Logger };
