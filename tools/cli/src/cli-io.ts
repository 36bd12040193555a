/** A stream the CLI writes to: enough of `process.stdout` to render text, tables and bars. */
export interface CliOutput {
  write(text: string): unknown;
  /** True when a terminal is attached (progress bars, colours); false for pipes and files. */
  readonly isTTY?: boolean;
  /** Terminal width, when known. */
  readonly columns?: number;
}

/**
 * Everything a command touches outside itself, so tests run commands in-process against a
 * captured output. `main.ts` passes the real process streams.
 */
export interface CliIo {
  readonly stdout: CliOutput & NodeJS.WritableStream;
  readonly stderr: CliOutput & NodeJS.WritableStream;
  /** Environment (WEFT_GATEWAY, WEFT_TOKEN). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Directory relative paths are resolved against. */
  readonly cwd: string;
  /**
   * Resolves when the user asks to stop (Ctrl-C, SIGTERM): `dev` and `demo` stop their cluster
   * then. Tests resolve it themselves.
   */
  readonly interrupted: Promise<NodeJS.Signals>;
}
