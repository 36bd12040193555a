import { JobState, TaskEventType, isFinalJobState, type JobHandle, type Phase } from '@weft/client';

/** When a phase ran, from the job's own events (coordinator clock), in epoch milliseconds. */
export interface PhaseWindow {
  /** First attempt of the phase dispatched. */
  startMs: number;
  /** Last task of the phase succeeded. */
  endMs: number;
}

/**
 * Follows a job's WatchJob stream to its end and returns the window of `phase`: from its first
 * STARTED task event to its last SUCCEEDED one. Start watching right after submitting, before the
 * phase begins (events before the watch are folded into the snapshot). Undefined when the stream
 * showed no such events; throws when the job did not succeed.
 */
export async function watchPhase(handle: JobHandle, phase: Phase): Promise<PhaseWindow | undefined> {
  let startMs: number | undefined;
  let endMs: number | undefined;
  for await (const response of handle.watch()) {
    const { event } = response;
    const at = response.time ? Number(response.time.seconds) * 1000 + response.time.nanos / 1e6 : undefined;
    if (event.case === 'task' && event.value.phase === phase && at !== undefined) {
      if (event.value.type === TaskEventType.STARTED) startMs ??= at;
      if (event.value.type === TaskEventType.SUCCEEDED) endMs = at;
    }
    const state = event.case === 'state' ? event.value : event.case === 'snapshot' ? event.value.state : undefined;
    if (state !== undefined && isFinalJobState(state)) {
      if (state !== JobState.SUCCEEDED) throw new Error(`job ${handle.id} ended ${JobState[state]}`);
      break;
    }
  }
  return startMs !== undefined && endMs !== undefined ? { startMs, endMs } : undefined;
}
