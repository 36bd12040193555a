import { spawn } from 'node:child_process';
import { startPeakRssSampler } from './peak-rss-sampler.js';

/** Outcome of one measured child process. */
export interface MeasuredRun {
  /** Standard output, in full. */
  stdout: string;
  /** Standard error, in full. */
  stderr: string;
  /** Wall-clock time from spawn to exit, in milliseconds (includes the process's start-up). */
  wallMs: number;
  /** Highest sampled resident memory of the child and its descendants, in bytes (undefined off Linux). */
  peakTreeRssBytes: number | undefined;
}

/** Options of `runMeasured`. */
export interface RunMeasuredOptions {
  /** Working directory of the child; default the current one. */
  cwd?: string;
  /** Kill the child after this long, in milliseconds; default 10 minutes. */
  timeoutMs?: number;
  /** How often to sample the tree's memory, in milliseconds; default 20. */
  sampleEveryMs?: number;
}

/**
 * Runs a command to completion while sampling the resident memory of its whole process tree, so
 * every baseline is measured the same way whatever language it is written in. Sampling misses peaks
 * shorter than the interval; for Node children the runner also records their own `maxRSS`.
 *
 * @throws Error naming the command, with its stderr, when it exits non-zero, is killed or times out
 */
export function runMeasured(command: string, args: readonly string[], options: RunMeasuredOptions = {}): Promise<MeasuredRun> {
  const { cwd, timeoutMs = 10 * 60_000, sampleEveryMs = 20 } = options;
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const sampler = startPeakRssSampler(() => (child.pid === undefined ? [] : [child.pid]), sampleEveryMs);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const describe = `${command} ${args.join(' ')}`;
    child.once('error', (error) => {
      sampler.stop();
      clearTimeout(timer);
      reject(new Error(`${describe}: ${error.message}`, { cause: error }));
    });
    child.once('close', (code, signal) => {
      const peak = sampler.stop();
      clearTimeout(timer);
      const wallMs = performance.now() - started;
      if (code === 0) resolve({ stdout, stderr, wallMs, peakTreeRssBytes: peak });
      else reject(new Error(`${describe} failed (${signal ?? `exit code ${code}`}): ${stderr.trim().slice(-2000)}`));
    });
  });
}

/**
 * Parses the last non-empty line of a child's stdout as JSON (baselines print one JSON document).
 * @throws Error quoting the output when there is no JSON line
 */
export function lastJsonLine(stdout: string): unknown {
  const line = stdout.trimEnd().split('\n').pop() ?? '';
  try {
    return JSON.parse(line);
  } catch {
    throw new Error(`expected a JSON line on stdout, got: ${stdout.slice(-500)}`);
  }
}
