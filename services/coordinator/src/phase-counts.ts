import { create } from '@bufbuild/protobuf';
import { Phase, PhaseProgressSchema, type PhaseProgress } from '@weft/proto';

/** Mutable per-phase counters of a running job. */
export class PhaseCounts {
  tasksTotal = 0;
  tasksDone = 0;
  tasksRunning = 0;
  attemptsFailed = 0;
  recordsIn = 0;
  recordsOut = 0;
  bytesIn = 0;
  bytesOut = 0;

  constructor(readonly phase: Phase) {}

  /** The counters as a PhaseProgress message. */
  toProto(): PhaseProgress {
    return create(PhaseProgressSchema, {
      phase: this.phase,
      tasksTotal: this.tasksTotal,
      tasksDone: this.tasksDone,
      tasksRunning: this.tasksRunning,
      attemptsFailed: this.attemptsFailed,
      recordsIn: BigInt(this.recordsIn),
      recordsOut: BigInt(this.recordsOut),
      bytesIn: BigInt(this.bytesIn),
      bytesOut: BigInt(this.bytesOut),
    });
  }
}

/** Both phases of a job. */
export function newPhases(): { map: PhaseCounts; reduce: PhaseCounts } {
  return { map: new PhaseCounts(Phase.MAP), reduce: new PhaseCounts(Phase.REDUCE) };
}

/** Rebuilds a finished job's progress from the counters the journal keeps. */
export function phasesFromCounters(counters: Record<string, number>): PhaseProgress[] {
  const phases = newPhases();
  for (const counts of [phases.map, phases.reduce]) {
    const prefix = counts.phase === Phase.MAP ? 'map' : 'reduce';
    counts.tasksTotal = counters[`${prefix}.tasks`] ?? 0;
    counts.tasksDone = counters[`${prefix}.tasks_done`] ?? 0;
    counts.attemptsFailed = counters[`${prefix}.attempts_failed`] ?? 0;
    counts.recordsIn = counters[`${prefix}.records_in`] ?? 0;
    counts.recordsOut = counters[`${prefix}.records_out`] ?? 0;
    counts.bytesIn = counters[`${prefix}.bytes_in`] ?? 0;
    counts.bytesOut = counters[`${prefix}.bytes_out`] ?? 0;
  }
  return [phases.map.toProto(), phases.reduce.toProto()];
}

/** The counters the journal keeps for a phase (see {@link phasesFromCounters}). */
export function countersOf(counts: PhaseCounts): Record<string, number> {
  const prefix = counts.phase === Phase.MAP ? 'map' : 'reduce';
  return {
    [`${prefix}.tasks`]: counts.tasksTotal,
    [`${prefix}.tasks_done`]: counts.tasksDone,
    [`${prefix}.attempts_failed`]: counts.attemptsFailed,
    [`${prefix}.records_in`]: counts.recordsIn,
    [`${prefix}.records_out`]: counts.recordsOut,
    [`${prefix}.bytes_in`]: counts.bytesIn,
    [`${prefix}.bytes_out`]: counts.bytesOut,
  };
}
