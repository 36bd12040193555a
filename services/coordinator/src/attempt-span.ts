import { SpanKind, type Attributes, type Counter, type Histogram, type UpDownCounter } from '@opentelemetry/api';
import type { TaskCounters } from '@weft/proto/cluster';
import { recordFailure, secondsBuckets, weftMeter, weftTracer } from '@weft/telemetry';

/** Which task an attempt belongs to. */
export interface AttemptRef {
  readonly phase: 'map' | 'reduce';
  readonly jobId: string;
  readonly taskId: string;
  readonly attempt: number;
  /** The worker's address. */
  readonly address: string;
  /** The reduce partition (reduce attempts only). */
  readonly partition?: number;
}

let meters: { outcomes: Counter; running: UpDownCounter; duration: Histogram } | undefined;

// Made on first use, after startTelemetry installed the meter provider.
function metersOf(): NonNullable<typeof meters> {
  return (meters ??= {
    outcomes: weftMeter().createCounter('weft.task.attempts', { unit: '{attempt}', description: 'Task attempts that ended, by phase and outcome (succeeded, failed).' }),
    running: weftMeter().createUpDownCounter('weft.task.attempts.running', { unit: '{attempt}', description: 'Task attempts running now, by phase.' }),
    duration: weftMeter().createHistogram('weft.task.duration', { unit: 's', description: 'Duration of task attempts seen from the coordinator, by phase and outcome.', advice: { explicitBucketBoundaries: [...secondsBuckets] } }),
  });
}

/**
 * Runs one task attempt inside its own span (`map m-3 attempt 1`, a child of the job span) whose
 * CLIENT span to the worker, and through it the worker's whole side, hang below it. The span
 * carries job, task, attempt, partition and the attempt's records and bytes in and out; a failed
 * attempt gets ERROR status and the exception.
 */
export async function traceAttempt<T extends { counters?: TaskCounters }>(ref: AttemptRef, run: () => Promise<T>): Promise<T> {
  const attributes: Attributes = {
    'weft.job.id': ref.jobId,
    'weft.task.id': ref.taskId,
    'weft.task.phase': ref.phase,
    'weft.task.attempt': ref.attempt,
    'weft.node.address': ref.address,
  };
  if (ref.partition !== undefined) attributes['weft.task.partition'] = ref.partition;
  const { outcomes, running, duration } = metersOf();
  const phase = { 'weft.task.phase': ref.phase };
  const started = performance.now();
  running.add(1, phase);
  return weftTracer().startActiveSpan(`${ref.phase} ${ref.taskId} attempt ${ref.attempt}`, { kind: SpanKind.INTERNAL, attributes }, async (span) => {
    try {
      const result = await run();
      const c = result.counters;
      if (c) {
        span.setAttributes({
          'weft.records.in': Number(c.recordsIn),
          'weft.records.out': Number(c.recordsOut),
          'weft.bytes.in': Number(c.bytesIn),
          'weft.bytes.out': Number(c.bytesOut),
        });
        if (c.skippedRecords > 0n) span.setAttribute('weft.records.skipped', Number(c.skippedRecords));
      }
      outcomes.add(1, { ...phase, 'weft.task.outcome': 'succeeded' });
      duration.record((performance.now() - started) / 1000, { ...phase, 'weft.task.outcome': 'succeeded' });
      return result;
    } catch (error) {
      recordFailure(span, error);
      outcomes.add(1, { ...phase, 'weft.task.outcome': 'failed' });
      duration.record((performance.now() - started) / 1000, { ...phase, 'weft.task.outcome': 'failed' });
      throw error;
    } finally {
      running.add(-1, phase);
      span.end();
    }
  });
}
