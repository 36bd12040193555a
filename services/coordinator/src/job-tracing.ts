import { ROOT_CONTEXT, SpanStatusCode, context, isSpanContextValid, trace, type Context, type Span } from '@opentelemetry/api';
import { JobState } from '@weft/proto';
import { secondsBuckets, weftMeter, weftTracer } from '@weft/telemetry';
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

  /** Runs `work` with the job's span active. */
  run<T>(jobId: string, work: () => Promise<T>): Promise<T> {
    const span = this.spans.get(jobId);
    const active: Context = span ? trace.setSpan(ROOT_CONTEXT, span) : context.active();
    return context.with(active, work);
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
