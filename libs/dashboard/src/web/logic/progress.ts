import { Phase, type PhaseProgress } from '@weft/proto';

/**
 * Percent of a phase's tasks done, an integer 0..100, rounded down: a phase reads 100 only when
 * every task is done (never 99.6 shown as 100), and 0 while its task count is still unknown.
 */
export function phasePercent(progress: PhaseProgress | undefined): number {
  if (!progress || progress.tasksTotal === 0) return 0;
  return Math.min(100, Math.floor((progress.tasksDone * 100) / progress.tasksTotal));
}

/** The progress of `phase` among a job's phases, if reported. */
export function phaseOf(phases: readonly PhaseProgress[], phase: Phase): PhaseProgress | undefined {
  return phases.find((p) => p.phase === phase);
}

/** "map" / "reduce", as the dashboard labels phases (and their test ids). */
export function phaseLabel(phase: Phase): 'map' | 'reduce' | 'unknown' {
  return phase === Phase.MAP ? 'map' : phase === Phase.REDUCE ? 'reduce' : 'unknown';
}
