import { ROOT_CONTEXT, SpanStatusCode, context, isSpanContextValid, trace, type Span } from '@opentelemetry/api';
import { timestampMs } from '@bufbuild/protobuf/wkt';
import { JobState, TaskEventType } from '@weft/proto';
import { secondsBuckets, weftMeter, weftTracer } from '@weft/telemetry';
import type { JobEventLog } from './job-event-log.js';
import type { StoredJob } from './job-store.js';

/**
 * The `job` span of every job this coordinator runs: started when the job is accepted (a child
 * of the SubmitJob server span, so the caller's trace continues into it), made the active span
 * while the runner works (so plan, attempt and commit spans are its children), ended with the
 * job. Its trace id is the job's `trace_id`. A job re-run after a coordinator restart gets a new
 * root span and so a new trace: the first run's spans ended with the old process.
 */
export class JobTraces {
  private readonly spans = new Map<string, Span>();
  private readonly durations = weftMeter().createHistogram('weft.job.duration', { unit: 's', description: 'Time from a job starting to run until it ended, by function and final state.', advice: { explicitBucketBoundaries: [...secondsBuckets] } });
  private readonly ended = weftMeter().createCounter('weft.jobs.ended', { unit: '{job}', description: 'Jobs that ended, by function and final state.' });

  /** Starts the job's span (under the active span, or as a new root when `recovered`) and sets `job.traceId`. */
  begin(job: StoredJob, recovered: boolean): void {
    const parent = recovered ? ROOT_CONTEXT : context.active();
    const span = weftTracer().startSpan(`job ${job.spec.function}`, {
      attributes: {
        'weft.job.id': job.id,
        'weft.job.function': job.spec.function,
        'weft.job.reducers': job.spec.reducers ?? 1,
        'weft.job.inputs': job.spec.inputs.length,
        'weft.job.recovered': recovered,
      },
    }, parent);
    const ids = span.spanContext();
    if (isSpanContextValid(ids) && span.isRecording()) job.traceId = ids.traceId;
    this.spans.set(job.id, span);
  }

  /**
   * Runs `work` with the job's span active. The job's notices (breaker transitions, bulkhead
   * rejections, lost map outputs) and its retries, cancellations and backup attempts from `events`
   * become events on the job span, at the time they happened.
   */
  async run<T>(jobId: string, work: () => Promise<T>, events?: JobEventLog): Promise<T> {
    const span = this.spans.get(jobId);
    if (!span) return work();
    const stop = new AbortController();
    const mirrored = events && span.isRecording() ? mirrorEvents(span, events, stop.signal) : Promise.resolve();
    try {
      return await context.with(trace.setSpan(ROOT_CONTEXT, span), work);
    } finally {
      // The runner ended its log: the mirror drains what is left; never wait on it for long.
      await Promise.race([mirrored, new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
      stop.abort();
    }
  }

  /** Ends the job's span with its final state (ERROR status unless it SUCCEEDED or was CANCELLED) and records its duration. */
  end(job: StoredJob): void {
    const state = JobState[job.state];
    const attributes = { 'weft.job.function': job.spec.function, 'weft.job.state': state };
    if (job.startedMs) this.durations.record((job.finishedMs - job.startedMs) / 1000, attributes);
    this.ended.add(1, attributes);
    const span = this.spans.get(job.id);
    if (!span) return;
    this.spans.delete(job.id);
    span.setAttribute('weft.job.state', state);
    span.setAttribute('weft.job.results', job.resultCount);
    if (job.state === JobState.CANCELLED) span.addEvent('cancelled', { 'weft.reason': job.error });
    if (job.state === JobState.FAILED) span.setStatus({ code: SpanStatusCode.ERROR, message: job.error });
    span.end();
  }
}

const mirroredTaskEvents: Partial<Record<TaskEventType, string>> = {
  [TaskEventType.RETRIED]: 'retry',
  [TaskEventType.CANCELLED]: 'attempt cancelled',
  [TaskEventType.BACKUP_LAUNCHED]: 'backup attempt',
};

async function mirrorEvents(span: Span, events: JobEventLog, signal: AbortSignal): Promise<void> {
  for await (const { event, time } of events.follow(0, signal)) {
    const at = time ? timestampMs(time) : Date.now();
    if (event.case === 'notice') {
      span.addEvent('notice', { 'weft.message': event.value }, at);
    } else if (event.case === 'task') {
      const name = mirroredTaskEvents[event.value.type];
      if (name) {
        const { taskId, attempt, nodeId, message } = event.value;
        span.addEvent(name, {
          'weft.task.id': taskId,
          ...(attempt ? { 'weft.task.attempt': attempt } : {}),
          ...(nodeId ? { 'weft.node.id': nodeId } : {}),
          ...(message ? { 'weft.message': message } : {}),
        }, at);
      }
    }
  }
}
