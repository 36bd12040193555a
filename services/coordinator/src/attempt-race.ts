import type { MessageInitShape } from '@bufbuild/protobuf';
import { CancelledError, messageOf } from '@weft/errors';
import { Phase, TaskEventType, type NodeRole, type TaskEventSchema } from '@weft/proto';
import { NodePolicies } from './node-policies.js';
import { isInputUnavailable } from './task-attempts.js';
import type { PhaseCounts } from './phase-counts.js';
import type { Lease, SlotScheduler } from './slot-scheduler.js';
import type { StragglerDetector } from './straggler-detector.js';

/** What a race needs from its job runner. */
export interface RaceContext {
  readonly scheduler: SlotScheduler;
  readonly policies: NodePolicies;
  readonly role: NodeRole;
  readonly phase: Phase;
  readonly counts: PhaseCounts;
  readonly stragglers: StragglerDetector;
  /** The job's cancellation. */
  readonly signal: AbortSignal;
  /** Time allowed per attempt, ms (0 = none). */
  readonly timeoutMs: number;
  /** Reports a task event of this phase. */
  event(event: MessageInitShape<typeof TaskEventSchema>): void;
  /** Records a failed attempt (log, FAILED event, counters). */
  failed(taskId: string, attempt: number, nodeId: string, error: unknown, started: number): void;
  /** Adds to a job counter. */
  count(name: string, delta: number): void;
}

/** The attempt that finished first; the caller commits its output, then releases its lease. */
export interface Winner<T> {
  readonly value: T;
  readonly lease: Lease;
  readonly attempt: number;
  readonly started: number;
}

/** How a round ended. `failures` counts attempts that failed for reasons other than an open breaker or an unfetchable input. */
export type RaceOutcome<T> = { ok: true; winner: Winner<T> } | { ok: false; error: unknown; failures: number };

class RaceLost extends Error {}

/**
 * Runs one round of a task: a primary attempt on the first free slot (preferring nodes not in
 * `avoid`), plus one backup attempt on another node if the phase's straggler detector calls the
 * primary a straggler. The first attempt to succeed wins and the others are cancelled (a CANCELLED
 * event says which won); the round fails only when every attempt failed. Each attempt runs under
 * its node's policies (breaker, bulkhead, timeout, retries). Nodes that failed are added to `avoid`.
 */
export function raceAttempts<T>(
  ctx: RaceContext,
  taskId: string,
  avoid: Set<string>,
  nextAttempt: () => number,
  run: (lease: Lease, attempt: number, signal: AbortSignal) => Promise<T>,
): Promise<RaceOutcome<T>> {
  const race = new AbortController();
  const raceSignal = AbortSignal.any([ctx.signal, race.signal]);

  const launch = async (backupOf: string | undefined): Promise<Winner<T>> => {
    let lease: Lease;
    try {
      lease = await ctx.scheduler.acquire(ctx.role, { signal: raceSignal, avoid: backupOf ? new Set([...avoid, backupOf]) : avoid });
    } catch (error) {
      if (race.signal.aborted && !ctx.signal.aborted) throw new RaceLost();
      throw error;
    }
    const attempt = nextAttempt();
    const started = Date.now();
    const nodeId = lease.node.id;
    ctx.counts.tasksRunning += 1;
    if (backupOf) {
      ctx.count(`${ctx.phase === Phase.MAP ? 'map' : 'reduce'}.backup_attempts`, 1);
      ctx.event({ taskId, phase: ctx.phase, attempt, type: TaskEventType.BACKUP_LAUNCHED, nodeId, message: `backup of a straggler on ${backupOf}` });
    }
    ctx.event({ taskId, phase: ctx.phase, attempt, type: TaskEventType.STARTED, nodeId });
    const untrack = backupOf ? undefined : ctx.stragglers.track(started, () => backup(nodeId), () => !ctx.policies.isUsable(lease.node));
    try {
      const signal = AbortSignal.any([raceSignal, lease.node.lost.signal]);
      const onRetry = (error: unknown): void => {
        ctx.count(`${ctx.phase === Phase.MAP ? 'map' : 'reduce'}.call_retries`, 1);
        ctx.event({ taskId, phase: ctx.phase, attempt, type: TaskEventType.RETRIED, nodeId, message: `retrying on the same node after: ${messageOf(error)}` });
      };
      const value = await ctx.policies.execute(lease.node, { timeoutMs: ctx.timeoutMs, idempotent: false, signal, onRetry }, (s) => run(lease, attempt, s));
      if (race.signal.aborted) throw new RaceLost();
      race.abort(new CancelledError(`attempt ${attempt} of task ${taskId} on ${nodeId} finished first`));
      ctx.stragglers.succeeded(Date.now() - started);
      return { value, lease, attempt, started };
    } catch (error) {
      lease.release(false);
      ctx.counts.tasksRunning -= 1;
      if (ctx.signal.aborted) throw ctx.signal.reason;
      if (race.signal.aborted) {
        ctx.event({ taskId, phase: ctx.phase, attempt, type: TaskEventType.CANCELLED, nodeId, message: 'another attempt of the task finished first' });
        throw new RaceLost();
      }
      // A node declared lost aborts its attempts; its reason says more than the abort does.
      const failure: unknown = lease.node.lost.signal.aborted ? lease.node.lost.signal.reason : error;
      ctx.failed(taskId, attempt, nodeId, failure, started);
      avoid.add(nodeId);
      throw failure;
    } finally {
      untrack?.();
    }
  };

  let backup: (primaryNode: string) => void = () => undefined;
  return new Promise<RaceOutcome<T>>((resolve) => {
    let pending = 0;
    let failures = 0;
    let firstError: unknown;
    let settled = false;
    const add = (backupOf: string | undefined): void => {
      pending += 1;
      launch(backupOf).then(
        (winner) => {
          settled = true;
          resolve({ ok: true, winner });
        },
        (error: unknown) => {
          if (!(error instanceof RaceLost)) {
            firstError ??= error;
            if (!NodePolicies.isBreakerOpen(error) && !isInputUnavailable(error)) failures += 1;
          }
          pending -= 1;
          if (pending === 0 && !settled) {
            settled = true;
            resolve({ ok: false, error: firstError, failures });
          }
        },
      );
    };
    backup = (primaryNode) => {
      if (!settled) add(primaryNode);
    };
    add(undefined);
  }).finally(() => race.abort(new CancelledError('the round ended')));
}
