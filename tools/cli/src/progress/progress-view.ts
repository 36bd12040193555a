import cliProgress from 'cli-progress';
import type { PhaseProgress } from '@weft/client';
import { Phase } from '@weft/client';
import type { CliOutput } from '../cli-io.js';
import { formatRate } from '../format/units.js';

/** Renders a job's per-phase progress as it changes. */
export interface ProgressView {
  /** Shows the latest progress of both phases. */
  update(phases: readonly PhaseProgress[]): void;
  /** Leaves the output in a clean state (final bar drawn, cursor back). */
  stop(): void;
}

const phases = [
  { phase: Phase.MAP, name: 'map   ' },
  { phase: Phase.REDUCE, name: 'reduce' },
] as const;

/**
 * Records per second of each phase, measured from when that phase was first seen working: the
 * reduce phase starts late, and dividing by the job's whole age would understate it.
 */
function createRateMeter(now: () => number): (p: PhaseProgress) => number {
  const viewStart = now();
  const started = new Map<Phase, number>();
  return (p) => {
    if (!started.has(p.phase) && p.tasksRunning + p.tasksDone > 0) {
      // Already past its start when first seen (a late `watch`): count from when we started.
      started.set(p.phase, p.recordsIn > 0n ? viewStart : now());
    }
    const since = started.get(p.phase);
    if (since === undefined) return 0;
    return Number(p.recordsIn) / Math.max((now() - since) / 1000, 0.001);
  };
}

/**
 * Progress bars for a terminal: one bar per phase (tasks done of total) with records, records/s
 * and ETA, redrawn in place by cli-progress.
 */
export function createBarView(out: CliOutput & NodeJS.WritableStream, now: () => number = Date.now): ProgressView {
  const rate = createRateMeter(now);
  const multi = new cliProgress.MultiBar(
    {
      stream: out,
      hideCursor: true,
      clearOnComplete: false,
      // Fits 80 columns: cli-progress truncates a line wider than the terminal.
      barsize: 16,
      format: '{phase} {bar} {value}/{total} tasks | {records} records | {rate} rec/s | ETA {eta_formatted}',
    },
    cliProgress.Presets.shades_classic,
  );
  const bars = new Map<Phase, cliProgress.SingleBar>();
  return {
    update(progress) {
      for (const { phase, name } of phases) {
        const p = progress.find((x) => x.phase === phase);
        if (!p || p.tasksTotal === 0) continue;
        const payload = { phase: name, records: formatRate(Number(p.recordsIn)), rate: formatRate(rate(p)) };
        let bar = bars.get(phase);
        if (!bar) {
          bar = multi.create(p.tasksTotal, p.tasksDone, payload);
          bars.set(phase, bar);
        } else {
          bar.setTotal(p.tasksTotal);
          bar.update(p.tasksDone, payload);
        }
      }
    },
    stop: () => multi.stop(),
  };
}

/**
 * Plain progress lines for pipes and files: one line whenever a phase finishes a task, at most
 * one a second (plus the final one), so a log stays readable.
 */
export function createLineView(out: CliOutput, now: () => number = Date.now): ProgressView {
  const rate = createRateMeter(now);
  let lastKey = '';
  let lastAt = -Infinity;
  let pending: string | undefined;
  const line = (progress: readonly PhaseProgress[]): string =>
    phases
      .map(({ phase, name }) => {
        const p = progress.find((x) => x.phase === phase);
        if (!p || p.tasksTotal === 0) return undefined;
        return `${name.trim()} ${p.tasksDone}/${p.tasksTotal} tasks, ${formatRate(Number(p.recordsIn))} records, ${formatRate(rate(p))} rec/s`;
      })
      .filter(Boolean)
      .join(' | ');
  return {
    update(progress) {
      const key = progress.map((p) => `${p.phase}:${p.tasksDone}/${p.tasksTotal}`).join(',');
      const text = line(progress);
      if (key === lastKey || !text) return;
      lastKey = key;
      if (now() - lastAt < 1000) {
        pending = text;
        return;
      }
      lastAt = now();
      pending = undefined;
      out.write(`${text}\n`);
    },
    stop() {
      if (pending) out.write(`${pending}\n`);
      pending = undefined;
    },
  };
}
