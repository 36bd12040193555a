import cliProgress from 'cli-progress';
import type { PhaseProgress } from '@weft/client';
import { Phase } from '@weft/client';
import type { CliOutput } from '../cli-io.js';
import { formatDuration, formatRate } from '../format/units.js';

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

/** Speed and remaining time of a phase. */
interface PhasePace {
  /** Records read per second. */
  readonly rate: number;
  /** Estimated milliseconds until the phase's last task is done; undefined while unknown. */
  readonly etaMs: number | undefined;
}

/**
 * Measures each phase from when it was first seen working: the reduce phase starts late, and
 * dividing by the job's whole age would understate it.
 */
function createPaceMeter(now: () => number): (p: PhaseProgress) => PhasePace {
  const viewStart = now();
  const started = new Map<Phase, number>();
  return (p) => {
    if (!started.has(p.phase) && p.tasksRunning + p.tasksDone > 0) {
      // Already past its start when first seen (a late `watch`): count from when we started.
      started.set(p.phase, p.recordsIn > 0n ? viewStart : now());
    }
    const since = started.get(p.phase);
    if (since === undefined) return { rate: 0, etaMs: undefined };
    const elapsed = Math.max(now() - since, 1);
    // Under a second of measurement an estimate is noise ("ETA 1ms"): show none yet.
    const etaMs = p.tasksDone > 0 && elapsed >= 1000 ? (elapsed / p.tasksDone) * (p.tasksTotal - p.tasksDone) : undefined;
    return { rate: Number(p.recordsIn) / (elapsed / 1000), etaMs };
  };
}

/**
 * Progress bars for a terminal: one bar per phase (tasks done of total) with records, records/s
 * and ETA, redrawn in place by cli-progress.
 */
export function createBarView(out: CliOutput & NodeJS.WritableStream, now: () => number = Date.now): ProgressView {
  const pace = createPaceMeter(now);
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
        const payload = { phase: name, records: formatRate(Number(p.recordsIn)), rate: formatRate(pace(p).rate) };
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
  const pace = createPaceMeter(now);
  let lastKey = '';
  let lastAt = -Infinity;
  let pending: string | undefined;
  const line = (progress: readonly PhaseProgress[]): string =>
    phases
      .map(({ phase, name }) => {
        const p = progress.find((x) => x.phase === phase);
        if (!p || p.tasksTotal === 0) return undefined;
        const { rate, etaMs } = pace(p);
        const eta = etaMs !== undefined && p.tasksDone < p.tasksTotal ? `, ETA ${formatDuration(etaMs)}` : '';
        return `${name.trim()} ${p.tasksDone}/${p.tasksTotal} tasks, ${formatRate(Number(p.recordsIn))} records, ${formatRate(rate)} rec/s${eta}`;
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
