import { SpanKind, type Attributes, type Counter, type Histogram, type UpDownCounter } from '@opentelemetry/api';
import type { TaskCounters } from '@weft/proto/cluster';
import { Code, ConnectError } from '@connectrpc/connect';
import { isCancelledError } from '@weft/errors';
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
  /** How the mapper gets its input (map attempts only): it reads the file, is sent its lines, gets inline lines, or fetches a URL. */
  readonly delivery?: 'file' | 'sent' | 'inline' | 'url';
}

let meters: { outcomes: Counter; running: UpDownCounter; duration: Histogram } | undefined;

// Made on first use, after startTelemetry installed the meter provider.
function metersOf(): NonNullable<typeof meters> {
  return (meters ??= {
    outcomes: weftMeter().createCounter('weft.task.attempts', { unit: '{attempt}', description: 'Task attempts that ended, by phase and outcome (succeeded, failed, cancelled).' }),
    running: weftMeter().createUpDownCounter('weft.task.attempts.running', { unit: '{attempt}', description: 'Task attempts running now, by phase.' }),
    duration: weftMeter().createHistogram('weft.task.duration', { unit: 's', description: 'Duration of task attempts seen from the coordinator, by phase and outcome.', advice: { explicitBucketBoundaries: [...secondsBuckets] } }),
  });
}

/**
 * Runs one task attempt inside its own span (`map m-3 attempt 1`, a child of the job span) whose
 * CLIENT span to the worker, and through it the worker's whole side, hang below it. The span
 * carries job, task, attempt, partition and the attempt's records and bytes in and out (and, for a
 * map attempt, `weft.input.delivery`: how the mapper got its input: file, sent, inline or url); a failed
 * attempt gets ERROR status and the exception; a cancelled one a `cancelled` event instead.
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
  if (ref.delivery !== undefined) attributes['weft.input.delivery'] = ref.delivery;
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
      span.setAttribute('weft.task.outcome', 'succeeded');
      outcomes.add(1, { ...phase, 'weft.task.outcome': 'succeeded' });
      duration.record((performance.now() - started) / 1000, { ...phase, 'weft.task.outcome': 'succeeded' });
      return result;
    } catch (error) {
      // A cancelled attempt (its job cancelled, or a backup that lost the race) did not fail.
      const outcome = isCancellation(error) ? 'cancelled' : 'failed';
      if (outcome === 'cancelled') span.addEvent('cancelled', { 'exception.message': error instanceof Error ? error.message : String(error) });
      else recordFailure(span, error);
      span.setAttribute('weft.task.outcome', outcome);
      outcomes.add(1, { ...phase, 'weft.task.outcome': outcome });
      duration.record((performance.now() - started) / 1000, { ...phase, 'weft.task.outcome': outcome });
      throw error;
    } finally {
      running.add(-1, phase);
      span.end();
    }
  });
}

/**
 * True when the attempt was stopped on purpose (a CancelledError, possibly wrapped by the RPC layer
 * as the cause of a Canceled ConnectError); a node lost under it is a failure, not a cancellation.
 */
function isCancellation(error: unknown): boolean {
  if (isCancelledError(error)) return true;
  return error instanceof ConnectError && error.code === Code.Canceled && isCancelledError(error.cause);
}
