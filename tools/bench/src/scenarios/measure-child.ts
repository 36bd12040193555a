import { existsSync } from 'node:fs';
import type { Measurement } from '../scenario.js';
import { lastJsonLine, runMeasured } from '../measure/run-measured.js';

const GNU_TIME = '/usr/bin/time';
const TIME_MARKER = 'weft-bench-max-rss-kb=';

/** A child-process workload: the command, and how to read a measurement from its JSON output. */
export interface ChildWorkload {
  command: string;
  args: string[];
  /** Input bytes processed per run, for MB/s. */
  bytes?: number;
  /** Items processed per run, for items/s. */
  items?: number;
  /**
   * Where the elapsed time comes from: `self` uses the `elapsedMs` the child reports (work only,
   * no process start-up: how Node and Python baselines time themselves); `wall` times the whole
   * process (for tools like `wc` that cannot report their own time).
   */
  timing: 'self' | 'wall';
}

/** One run: the measurement and the child's parsed JSON output (or its stdout for non-JSON tools). */
export interface ChildRun {
  measurement: Measurement;
  output: Record<string, unknown>;
}

/**
 * Runs a workload once in a fresh process and measures it. Peak memory is the larger of the
 * sampled process-tree RSS and what the child reports about itself (`maxRssKb` plus
 * `maxChildRssKb`), since sampling can miss a short peak.
 * @throws Error when the child fails or prints no JSON where JSON is expected
 */
export async function measureChild(workload: ChildWorkload): Promise<ChildRun> {
  // A tool that cannot report its own peak memory (wc, awk) may finish between two samples: GNU
  // time, when installed, reports its maximum RSS from the kernel's accounting instead.
  const viaTime = workload.timing === 'wall' && existsSync(GNU_TIME);
  const run = viaTime
    ? await runMeasured(GNU_TIME, ['-f', `${TIME_MARKER}%M`, workload.command, ...workload.args])
    : await runMeasured(workload.command, workload.args);
  const output =
    workload.timing === 'self' ? (lastJsonLine(run.stdout) as Record<string, unknown>) : { stdout: run.stdout.trim() };
  if (viaTime) {
    const match = new RegExp(`${TIME_MARKER}(\\d+)`).exec(run.stderr);
    if (match) output['maxRssKb'] = Number(match[1]);
  }
  const selfElapsed = typeof output['elapsedMs'] === 'number' ? output['elapsedMs'] : undefined;
  if (workload.timing === 'self' && selfElapsed === undefined) {
    throw new Error(`${workload.command}: no elapsedMs in its output`);
  }
  const selfRssKb = (Number(output['maxRssKb']) || 0) + (Number(output['maxChildRssKb']) || 0);
  const peakRssBytes = Math.max(run.peakTreeRssBytes ?? 0, selfRssKb * 1024) || undefined;
  const measurement: Measurement = {
    elapsedMs: selfElapsed ?? run.wallMs,
    metrics: { processWallMs: run.wallMs },
  };
  if (workload.bytes !== undefined) measurement.bytes = workload.bytes;
  if (workload.items !== undefined) measurement.items = workload.items;
  if (peakRssBytes !== undefined) measurement.peakRssBytes = peakRssBytes;
  return { measurement, output };
}
