import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { trackChild } from './child-registry.js';
import { parseReadyLine } from './ready-line.js';
import type { ReadyLine } from './ready-line.js';

/** How a process ended: exit code, or the signal that killed it. */
export interface ExitInfo {
  /** Exit code, or null when a signal killed it. */
  readonly code: number | null;
  /** The signal that killed it, or null. */
  readonly signal: NodeJS.Signals | null;
}

/** Options of a `ServiceProcess`. */
export interface ServiceProcessOptions {
  /** Name used in messages, e.g. "mapper-1". */
  readonly name: string;
  /** JavaScript file run with `process.execPath` (Node 24). */
  readonly entry: string;
  /** The complete environment of the process. */
  readonly env: NodeJS.ProcessEnv;
  /** File that receives everything the process writes (appended across restarts). */
  readonly logFile: string;
  /** Time allowed from spawn to the ready line, in milliseconds. */
  readonly startTimeoutMs: number;
}

const tailSize = 40;

/**
 * One OS process of a service: spawns it, tees its stdout and stderr to a log file, and resolves
 * `start()` on its `"msg":"ready"` line. One instance runs one incarnation; restarting means a new
 * instance (the launcher keeps port and env).
 */
export class ServiceProcess {
  /** Resolves once the process has exited (never rejects). */
  readonly exited: Promise<ExitInfo>;
  private readonly child: ChildProcess;
  private readonly log: WriteStream;
  private readonly tail: string[] = [];
  private exitInfo: ExitInfo | undefined;
  private readonly ready: Promise<ReadyLine>;

  constructor(private readonly options: ServiceProcessOptions) {
    this.log = createWriteStream(options.logFile, { flags: 'a' });
    // A log file that cannot be written (its directory removed under us) must not crash the
    // host process: the tail kept in memory still explains a failure.
    this.log.on('error', () => undefined);
    this.child = spawn(process.execPath, [options.entry], {
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    trackChild(this.child);
    this.exited = new Promise<ExitInfo>((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
      // A spawn failure (ENOENT on execPath) emits 'error' and never 'exit'.
      this.child.once('error', (err) => {
        this.remember(`spawn failed: ${err.message}`);
        this.exitInfo ??= { code: -1, signal: null };
        resolve(this.exitInfo);
      });
    });
    // Close the log only after both pipes drained, or the last lines (the crash reason) are lost.
    this.child.once('close', () => this.log.end());
    this.ready = new Promise<ReadyLine>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(this.failure(`was not ready after ${options.startTimeoutMs} ms`));
        this.kill('SIGKILL');
      }, options.startTimeoutMs);
      // Both pipes are always drained, even when nobody waits for readiness: a full pipe would
      // block the service on its next log line.
      this.pipeLines(this.child.stdout, (line) => {
        const ready = parseReadyLine(line);
        if (!ready) return;
        clearTimeout(timer);
        resolve(ready);
      });
      this.pipeLines(this.child.stderr, () => undefined);
      // 'close' comes after both pipes ended, so the crash reason is in the tail by then.
      this.child.once('close', (code: number | null, signal: NodeJS.Signals | null) => {
        const info = this.exitInfo ?? { code, signal };
        // A no-op when the ready line came first.
        clearTimeout(timer);
        reject(this.failure(`exited before it was ready (${describeExit(info)})`));
      });
    });
    // Callers that never ask for readiness must not see an unhandled rejection when it exits.
    this.ready.catch(() => undefined);
  }

  /** The OS process id (undefined only if the spawn itself failed). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** True until the process has exited. */
  get running(): boolean {
    return this.exitInfo === undefined;
  }

  /**
   * Resolves with the ready line. Rejects with an `Error` carrying the last log lines when the
   * process exits first or stays silent past `startTimeoutMs` (then it is SIGKILLed).
   */
  start(): Promise<ReadyLine> {
    return this.ready;
  }

  /** Sends `signal` (default SIGKILL) if the process still runs. */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.running) this.child.kill(signal);
  }

  /**
   * Asks the process to stop (SIGTERM, plus SIGCONT so a paused process can act on it) and
   * SIGKILLs it if it has not exited after `graceMs`. Resolves once it has exited.
   */
  async stop(graceMs: number): Promise<ExitInfo> {
    if (this.running) {
      this.child.kill('SIGTERM');
      this.child.kill('SIGCONT');
      const timer = setTimeout(() => this.kill('SIGKILL'), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    return this.exited;
  }

  /** The last lines the process wrote (stdout and stderr interleaved), oldest first. */
  lastLines(): string[] {
    return [...this.tail];
  }

  private failure(what: string): Error {
    const lines = this.tail.length ? this.tail.join('\n') : '(no output)';
    return new Error(`${this.options.name} ${what}; log ${this.options.logFile}, last lines:\n${lines}`);
  }

  private pipeLines(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
    if (!stream) return;
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      this.log.write(chunk);
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) {
        this.remember(line);
        onLine(line);
      }
    });
    stream.on('end', () => {
      if (partial) {
        this.remember(partial);
        onLine(partial);
      }
    });
  }

  private remember(line: string): void {
    this.tail.push(line);
    if (this.tail.length > tailSize) this.tail.shift();
  }
}

/** "exit code 1" or "killed by SIGKILL". */
export function describeExit(info: ExitInfo): string {
  return info.signal ? `killed by ${info.signal}` : `exit code ${info.code}`;
}
