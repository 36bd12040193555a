import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { repoRoot } from '../paths.js';

/** A service running inside a network namespace. */
export interface ServiceProcess {
  readonly name: string;
  /** The service's pid (`ip netns exec` and the shell before it exec it). */
  readonly pid: number | undefined;
  /** Where its stdout and stderr go (kept for a failing test to read). */
  readonly logFile: string;
  /** Calls `listener` with every later line the service writes to stdout (its JSON log). */
  onLine(listener: (line: string) => void): void;
  /**
   * Makes the process a slow host: it runs `runMs` of every `periodMs` and is stopped (SIGSTOP)
   * the rest, worker threads included. Returns a function that ends the throttling (SIGCONT).
   */
  throttle(runMs: number, periodMs: number): () => void;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

/** The Node 24 that the workspace pins; the system Node may be older. */
export const nodeBinary = path.join(repoRoot, 'node_modules', '.bin', 'node');

/**
 * Starts `node <script>` (a path relative to the repository root, as the image's WORKDIR) in
 * network namespace `netns` with exactly `env` plus PATH, as a container would get it.
 * `ip netns exec` execs the command, so the child's pid is the service's own. `hide` lists
 * directories the service must not see, as a pod does not see another pod's volumes: each gets an
 * empty tmpfs mounted over it in the service's own mount namespace (`ip netns exec` gives every
 * command one, whose mounts do not reach the rest of the machine).
 */
export function startInNamespace(name: string, netns: string, script: string, env: Record<string, string>, logDir: string, hide: readonly string[] = []): ServiceProcess {
  const logFile = path.join(logDir, `${name}.log`);
  const log = createWriteStream(logFile);
  // The directories come in as arguments, never as shell text; the shell execs node, keeping the pid.
  const command = hide.length === 0
    ? [nodeBinary, script]
    : ['sh', '-c', 'n=$1; shift; while [ "$n" -gt 0 ]; do mount -t tmpfs -o size=1m weft-hidden "$1" || exit 97; shift; n=$((n - 1)); done; exec "$@"', 'sh', String(hide.length), ...hide, nodeBinary, script];
  const child: ChildProcess = spawn('ip', ['netns', 'exec', netns, ...command], {
    cwd: repoRoot,
    env: { ...env, PATH: process.env['PATH'] ?? '/usr/bin:/bin' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log, { end: false });
  const exited = once(child, 'exit');
  const listeners: ((line: string) => void)[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => listeners.forEach((listener) => listener(line)));
  return {
    name,
    pid: child.pid,
    logFile,
    onLine: (listener) => listeners.push(listener),
    throttle(runMs, periodMs) {
      const signal = (name: NodeJS.Signals): void => {
        if (child.exitCode === null && child.signalCode === null) child.kill(name);
      };
      let resume: NodeJS.Timeout | undefined;
      const cycle = setInterval(() => {
        signal('SIGCONT');
        resume = setTimeout(() => signal('SIGSTOP'), runMs);
      }, periodMs);
      return () => {
        clearInterval(cycle);
        clearTimeout(resume);
        signal('SIGCONT');
      };
    },
    async stop(graceMs = 5_000) {
      if (child.exitCode === null && child.signalCode === null) {
        // A stopped process (see throttle) would never see SIGTERM.
        child.kill('SIGCONT');
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      log.end();
    },
  };
}
