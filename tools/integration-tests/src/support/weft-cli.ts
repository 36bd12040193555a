import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitForExit } from './process-alive.js';

const workspaceRoot = fileURLToPath(new URL('../../../../', import.meta.url));
/** The `weft` command exactly as users run it (`npx weft` resolves to this bin). */
const weftBin = join(workspaceRoot, 'tools', 'cli', 'bin', 'weft.js');
// The workspace pins Node 24 there; the system node may be older.
const pinnedNode = join(workspaceRoot, 'node_modules', '.bin', 'node');
const nodeBinary = existsSync(pinnedNode) ? pinnedNode : process.execPath;

/** How a `weft` process ended and what it printed. */
export interface WeftRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of `runWeft` and `startWeftDev`. */
export interface WeftProcessOptions {
  /** Extra environment on top of this process's. */
  readonly env?: Readonly<Record<string, string>>;
  /** Working directory. Default: this process's. */
  readonly cwd?: string;
  /** Kill the command (SIGKILL) after this many milliseconds. Default 90000. */
  readonly timeoutMs?: number;
}

function spawnWeft(args: readonly string[], options: WeftProcessOptions): ChildProcess {
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  // Jest's --experimental-vm-modules is for the test process, not for the command under test;
  // and a WEFT_GATEWAY from the caller's shell must not redirect the commands.
  delete env.NODE_OPTIONS;
  delete env.WEFT_GATEWAY;
  return spawn(nodeBinary, [weftBin, ...args], { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs `weft ARGS...` to completion and returns its exit status and output. */
export function runWeft(args: readonly string[], options: WeftProcessOptions = {}): Promise<WeftRun> {
  return new Promise((resolve, reject) => {
    const child = spawnWeft(args, options);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 90_000);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** A service process of a `weft dev` cluster, as its log's "ready" line describes it. */
export interface DevNode {
  readonly name: string;
  readonly nodeId: string;
  readonly pid: number;
  readonly address: string;
}

/** A running `weft dev`. */
export interface WeftDev {
  /** The URL of its "gateway: URL" line. */
  readonly gatewayUrl: string;
  /** Everything it printed on stdout and stderr so far. */
  output(): string;
  /** Every service from the ready lines in the log dir, by file name (`mapper-1`, `gateway`, ...). */
  nodes(): Promise<DevNode[]>;
  /** The last `lines` lines of every service log, one block per service: print them when a test fails. */
  logTail(lines?: number): Promise<string>;
  /** Sends SIGTERM and resolves with how `weft dev` exited (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** True while the `weft dev` process runs. */
  readonly running: boolean;
}

/**
 * Starts `weft dev ARGS...` (which must include `--log-dir logDir`) and resolves once it prints
 * its `gateway: http://127.0.0.1:PORT` line. Rejects with its output if it exits or takes longer
 * than `timeoutMs`, after stopping it and every service it started.
 */
export async function startWeftDev(args: readonly string[], logDir: string, options: WeftProcessOptions = {}): Promise<WeftDev> {
  const child = spawnWeft(['dev', ...args], options);
  let output = '';
  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve((exitInfo = { code, signal })));
  });
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (output += s));

  async function nodes(): Promise<DevNode[]> {
    const found: DevNode[] = [];
    const files = existsSync(logDir) ? (await readdir(logDir)).filter((f) => f.endsWith('.log')).sort() : [];
    for (const file of files) {
      for (const line of (await readFile(join(logDir, file), 'utf8')).split('\n')) {
        const entry = parseJsonLine(line);
        if (entry?.msg === 'ready' && typeof entry.pid === 'number') {
          found.push({ name: file.slice(0, -'.log'.length), nodeId: String(entry.nodeId), pid: entry.pid, address: String(entry.address) });
          break;
        }
      }
    }
    return found;
  }

  async function logTail(lines = 15): Promise<string> {
    const files = existsSync(logDir) ? (await readdir(logDir)).filter((f) => f.endsWith('.log')).sort() : [];
    const blocks: string[] = [];
    for (const file of files) {
      const text = (await readFile(join(logDir, file), 'utf8')).trimEnd();
      blocks.push(`--- ${join(logDir, file)}\n${text.split('\n').slice(-lines).join('\n')}`);
    }
    return blocks.join('\n');
  }

  async function stop(graceMs = 20_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (exitInfo) return exitInfo;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    const info = await exited;
    clearTimeout(timer);
    return info;
  }

  const gatewayUrl = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    const fail = (why: string): void => {
      clearTimeout(timer);
      reject(new Error(`weft dev ${why}; its output:\n${output}`));
    };
    const timer = setTimeout(() => fail(`printed no "gateway:" line within ${options.timeoutMs ?? 90_000} ms`), options.timeoutMs ?? 90_000);
    child.stdout!.setEncoding('utf8').on('data', (s: string) => {
      output += s;
      stdout += s;
      const match = /^gateway: (http:\/\/127\.0\.0\.1:\d+)$/m.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    void exited.then((info) => fail(`exited (${info.signal ?? `code ${info.code}`}) before it was ready`));
    child.once('error', (err) => fail(`could not start: ${err.message}`));
  }).catch(async (err: unknown) => {
    const pids = (await nodes()).map((n) => n.pid);
    await stop(5000);
    // If weft dev itself had to be SIGKILLed, its services are orphans: end them by pid.
    for (const pid of await waitForExit(pids, 5000)) process.kill(pid, 'SIGKILL');
    throw err;
  });

  return {
    gatewayUrl,
    output: () => output,
    nodes,
    logTail,
    stop,
    get running() {
      return exitInfo === undefined;
    },
  };
}

function parseJsonLine(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
