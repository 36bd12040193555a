import type { JSX } from 'preact';
import type { PhaseProgress as PhaseProgressMessage } from '@weft/proto';
import { formatCount } from '../logic/format.js';
import { phaseLabel, phasePercent } from '../logic/progress.js';

/** One phase's progress bar with its task counts: done / total, running, failed attempts, records. */
export function PhaseProgress(props: { progress: PhaseProgressMessage }): JSX.Element {
  const p = props.progress;
  const label = phaseLabel(p.phase);
  const percent = phasePercent(p);
  const id = `phase-${label}`;
  return (
    <div class="phase" data-testid={id}>
      <div class="phase-head">
        <span id={`${id}-label`} class="phase-name">
          {label}
        </span>
        <span class="phase-percent" data-testid={`${id}-percent`}>
          {percent}%
        </span>
      </div>
      <progress
        aria-labelledby={`${id}-label`}
        max={100}
        value={percent}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        aria-valuetext={`${label}: ${p.tasksDone} of ${p.tasksTotal} tasks done`}
      />
      <div class="phase-stats">
        {p.tasksDone}/{p.tasksTotal} tasks · {p.tasksRunning} running · {p.attemptsFailed} failed attempts · {formatCount(p.recordsIn)} records in · {formatCount(p.recordsOut)} out
      </div>
    </div>
  );
}
