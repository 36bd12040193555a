import { JobState, TaskEventType, type Job, type PhaseProgress, type WatchJobResponse } from '@weft/proto';
import { msOf } from './format.js';

/** One line of a job's recent activity, for the job page. */
export interface ActivityLine {
  readonly sequence: bigint;
  /** Milliseconds since the epoch, when known. */
  readonly timeMs: number | undefined;
  readonly text: string;
  /** A failure, or a notice about a node (breaker opened, node lost, ...). */
  readonly warning: boolean;
}

/** What the job page knows of a job from its WatchJob stream. */
export interface JobView {
  /** The snapshot the stream started with, undefined until it arrived. */
  readonly job: Job | undefined;
  readonly state: JobState;
  /** Progress of both phases after the latest event. */
  readonly phases: readonly PhaseProgress[];
  /** The most recent events, newest last, at most {@link activityLimit}. */
  readonly activity: readonly ActivityLine[];
}

/** How many activity lines the job page keeps. */
export const activityLimit = 50;

/** The view before the stream's first message. */
export const emptyJobView: JobView = { job: undefined, state: JobState.UNSPECIFIED, phases: [], activity: [] };

const taskVerbs: Record<TaskEventType, string> = {
  [TaskEventType.UNSPECIFIED]: 'changed',
  [TaskEventType.STARTED]: 'started',
  [TaskEventType.SUCCEEDED]: 'succeeded',
  [TaskEventType.FAILED]: 'failed',
  [TaskEventType.RETRIED]: 'queued for retry',
  [TaskEventType.CANCELLED]: 'cancelled',
  [TaskEventType.BACKUP_LAUNCHED]: 'got a backup attempt',
};

/** The view after one WatchJob message (a pure function: the page keeps the result in state). */
export function applyWatchEvent(view: JobView, message: WatchJobResponse): JobView {
  const phases = message.phases.length > 0 ? message.phases : view.phases;
  const timeMs = msOf(message.time);
  const event = message.event;
  switch (event.case) {
    case 'snapshot':
      return { job: event.value, state: event.value.state, phases: event.value.phases.length > 0 ? event.value.phases : phases, activity: view.activity };
    case 'state':
      return { ...view, state: event.value, phases, activity: withLine(view.activity, { sequence: message.sequence, timeMs, text: `job ${JobState[event.value] ?? event.value}`, warning: event.value === JobState.FAILED }) };
    case 'task': {
      const t = event.value;
      const where = t.nodeId ? ` on ${t.nodeId}` : '';
      const why = t.message ? `: ${t.message}` : '';
      const took = t.type === TaskEventType.SUCCEEDED || t.type === TaskEventType.FAILED ? ` in ${t.elapsedMs} ms` : '';
      const text = `${t.taskId} attempt ${t.attempt} ${taskVerbs[t.type] ?? 'changed'}${where}${took}${why}`;
      return { ...view, phases, activity: withLine(view.activity, { sequence: message.sequence, timeMs, text, warning: t.type === TaskEventType.FAILED }) };
    }
    case 'notice':
      return { ...view, phases, activity: withLine(view.activity, { sequence: message.sequence, timeMs, text: event.value, warning: true }) };
    default:
      return { ...view, phases };
  }
}

function withLine(lines: readonly ActivityLine[], line: ActivityLine): readonly ActivityLine[] {
  const next = [...lines, line];
  return next.length > activityLimit ? next.slice(next.length - activityLimit) : next;
}
