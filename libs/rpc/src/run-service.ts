import { isConfigError } from '@weft/errors';
import type { Logger, Telemetry } from '@weft/telemetry';

/** What a started service hands back to {@link runService}. */
export interface RunningService {
  /** Address other processes reach it at, e.g. `http://127.0.0.1:7401`. */
  readonly address: string;
  /** Drains and closes everything; must resolve once the process may exit. */
  stop(): Promise<void>;
}

/** Options of {@link runService}. */
export interface RunServiceOptions {
  /** The process logger. */
  readonly log: Logger;
  /** Starts the service. */
  readonly start: () => Promise<RunningService>;
  /** Upper bound on `stop()` after SIGTERM, in milliseconds (default 10 s); past it the process exits 1. */
  readonly drainTimeoutMs?: number;
  /** The process's telemetry: its metrics port goes on the ready line, and its spans are flushed after `stop()`. */
  readonly telemetry?: Telemetry;
}

/**
 * The process lifecycle every Weft service shares: start, log the `ready` line the launcher and
 * humans look for, and on SIGTERM/SIGINT drain within a bound and exit 0. A failed start, or an
 * error nothing handled, is logged as fatal and exits 1 so supervisors restart the process.
 */
export async function runService(options: RunServiceOptions): Promise<void> {
  const { log } = options;
  process.on('uncaughtException', (error) => {
    log.fatal({ err: error }, 'uncaught exception');
    process.exit(1);
  });
  process.on('unhandledRejection', (reason) => {
    log.fatal({ err: reason }, 'unhandled promise rejection');
    process.exit(1);
  });

  let service: RunningService;
  try {
    service = await options.start();
  } catch (error) {
    log.fatal({ err: error }, 'failed to start');
    process.exit(1);
  }
  log.info({ address: service.address, metricsPort: options.telemetry?.metricsPort }, 'ready');

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      log.error('drain took too long; exiting');
      process.exit(1);
    }, options.drainTimeoutMs ?? 10_000);
    timer.unref();
    service
      .stop()
      // Last: the spans of the drain itself are flushed too.
      .finally(() => options.telemetry?.shutdown())
      .then(
        () => {
          log.info('stopped');
          process.exit(0);
        },
        (error: unknown) => {
          log.error({ err: error }, 'error while stopping');
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

/**
 * Loads a service's configuration; on a ConfigError prints every problem to stderr and exits 2
 * (a usage error: nothing to retry until the deployment is fixed), instead of a stack trace.
 * `load` may be async (telemetry start-up checks the OTEL_* variables): its rejection is handled
 * the same way.
 */
export function loadConfigOrExit<T>(service: string, load: () => T): T {
  const exitOnConfigError = (error: unknown): never => {
    if (isConfigError(error)) {
      process.stderr.write(`weft ${service}: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  };
  try {
    const loaded = load();
    return (loaded instanceof Promise ? loaded.catch(exitOnConfigError) : loaded) as T;
  } catch (error) {
    return exitOnConfigError(error);
  }
}
