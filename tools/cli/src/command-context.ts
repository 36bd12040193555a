import type { WeftClientOptions } from '@weft/client';
import type { CliIo } from './cli-io.js';

/** Shared by the commands of one CLI run. */
export interface CommandContext {
  readonly io: CliIo;
  /** The gateway the command talked to, for error messages; set by `clientFor`. */
  gateway?: string;
  /** Exit code a command asks for without throwing (e.g. `watch` of a job that failed). */
  exitCode?: number;
  /** Transport for every client instead of gRPC to --gateway (tests use an in-memory router). */
  readonly transport?: WeftClientOptions['transport'];
}
