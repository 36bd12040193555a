import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { JobSchema, JobState, Phase, PhaseProgressSchema, TaskEventType, WatchJobResponseSchema } from '@weft/proto';
import { activityLimit, applyWatchEvent, emptyJobView } from './job-view.js';

const phases = (mapDone: number, reduceDone: number) => [
  create(PhaseProgressSchema, { phase: Phase.MAP, tasksTotal: 2, tasksDone: mapDone }),
  create(PhaseProgressSchema, { phase: Phase.REDUCE, tasksTotal: 1, tasksDone: reduceDone }),
];
const message = (sequence: number, event: MessageInitShape<typeof WatchJobResponseSchema>['event'], progress = phases(0, 0)) =>
  create(WatchJobResponseSchema, { sequence: BigInt(sequence), time: timestampFromMs(1_000 * sequence), event, phases: progress });

describe('applyWatchEvent', () => {
  it('follows a job from its snapshot through task events to its final state', () => {
    const snapshot = create(JobSchema, { id: 'job-1', state: JobState.RUNNING, phases: phases(0, 0) });
    const events = [
      message(3, { case: 'snapshot', value: snapshot }),
      message(4, { case: 'task', value: { taskId: 'm-0', phase: Phase.MAP, attempt: 1, type: TaskEventType.STARTED, nodeId: 'mapper-1' } }),
      message(5, { case: 'task', value: { taskId: 'm-0', phase: Phase.MAP, attempt: 1, type: TaskEventType.FAILED, nodeId: 'mapper-1', message: 'worker crashed', elapsedMs: 12 } }),
      message(6, { case: 'notice', value: 'breaker of mapper-1 opened' }),
      message(7, { case: 'task', value: { taskId: 'm-0', phase: Phase.MAP, attempt: 2, type: TaskEventType.SUCCEEDED, nodeId: 'mapper-2', elapsedMs: 30 } }, phases(2, 1)),
      message(8, { case: 'state', value: JobState.SUCCEEDED }, phases(2, 1)),
    ];
    const view = events.reduce(applyWatchEvent, emptyJobView);
    expect(view.job).toBe(snapshot);
    expect(view.state).toBe(JobState.SUCCEEDED);
    expect(view.phases.map((p) => p.tasksDone)).toEqual([2, 1]);
    expect(view.activity.map((l) => [l.text, l.warning])).toEqual([
      ['m-0 attempt 1 started on mapper-1', false],
      ['m-0 attempt 1 failed on mapper-1 in 12 ms: worker crashed', true],
      ['breaker of mapper-1 opened', true],
      ['m-0 attempt 2 succeeded on mapper-2 in 30 ms', false],
      ['job SUCCEEDED', false],
    ]);
    expect(view.activity[0]).toMatchObject({ sequence: 4n, timeMs: 4_000 });
  });

  it('keeps the last phases when an event carries none, and only the newest activity lines', () => {
    let view = applyWatchEvent(emptyJobView, message(1, { case: 'snapshot', value: create(JobSchema, { state: JobState.RUNNING, phases: phases(1, 0) }) }));
    view = applyWatchEvent(view, create(WatchJobResponseSchema, { sequence: 2n, event: { case: 'notice', value: 'n' } }));
    expect(view.phases.map((p) => p.tasksDone)).toEqual([1, 0]);
    for (let i = 0; i < activityLimit + 5; i++) view = applyWatchEvent(view, message(10 + i, { case: 'notice', value: `notice ${i}` }));
    expect(view.activity).toHaveLength(activityLimit);
    expect(view.activity[activityLimit - 1]?.text).toBe(`notice ${activityLimit + 4}`);
  });
});
