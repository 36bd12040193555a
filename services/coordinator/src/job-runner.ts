import type { MessageInitShape } from '@bufbuild/protobuf';
import { CancelledError, isCancelledError, messageOf } from '@weft/errors';
import type { JobDefinition } from '@weft/jobs';
import { NodeRole, NodeState, TaskEventType, Phase, JobState, type PhaseProgress, type TaskEventSchema } from '@weft/proto';
import { concatBytes, cutChunks, type ResultChunk } from '@weft/records';
import type { ClientFactory } from '@weft/rpc';
import { withSpan, type Logger } from '@weft/telemetry';
import { trace } from '@opentelemetry/api';
import { JobEventLog } from './job-event-log.js';
import type { JobStore, StoredJob } from './job-store.js';
import { planMapTasks, type MapTaskPlan, type SplitSizing } from './map-planner.js';
import { raceAttempts, type RaceContext } from './attempt-race.js';
import type { NodePolicies } from './node-policies.js';
import { countersOf, newPhases, type PhaseCounts } from './phase-counts.js';
import type { SlotScheduler } from './slot-scheduler.js';
import { StragglerDetector, type SpeculationOptions } from './straggler-detector.js';
import { commitJobOutput, commitPartFile } from './output-committer.js';
import { resultRows } from './delimited-record.js';
import { defaultChunkBytes } from './result-chunks.js';
import { InputUnavailableError, runMapAttempt, runReduceAttempt, type AttemptJob } from './task-attempts.js';
import type { WorkerNode, WorkerRegistry } from './worker-registry.js';
import type { MapOutputLocation } from '@weft/proto/cluster';
import type { MapInputFeed } from './upload-feed.js';

/** What a runner needs from the coordinator. */
export interface RunnerDeps {
  readonly store: JobStore;
  readonly registry: WorkerRegistry;
  readonly scheduler: SlotScheduler;
  readonly clients: ClientFactory;
  readonly log: Logger;
  /** Split bounds; the live mappers' slots complete the sizing when a job is planned. */
  readonly split: Omit<SplitSizing, 'mapSlots'>;
  readonly maxAttempts: number;
  readonly taskTimeoutMs: number;
  /** Breakers, bulkheads, timeouts and retries per node. */
  readonly policies: NodePolicies;
  /** When stragglers get backup attempts. */
  readonly speculation: SpeculationOptions;
  /** False: mappers cannot see this process's files, so it streams file splits' lines to them (COORDINATOR_SHARED_FILES). */
  readonly sharedFiles?: boolean;
}

interface MapTask {
  readonly plan: MapTaskPlan;
  /** Attempt numbers are unique for the task's whole life, across re-executions. */
  attempts: number;
  /**
   * Where the accepted output lives: `holder` is the registration that produced it (a node declared
   * lost that registers again is a new one, and its old outputs are not trusted); `unreadable` once
   * a reducer reported it could not fetch it.
   */
  output?: { nodeId: string; address: string; attempt: number; holder: WorkerNode; unreadable?: boolean };
  recompute?: Promise<void>;
}

/**
 * Drives one job through its map and reduce phases: schedules every task attempt within the
 * workers' slots, retries failed attempts on other nodes, re-executes map tasks whose output was
 * lost with its node, and commits each reduce partition's output to the journal once.
 */
export class JobRunner {
  readonly events = new JobEventLog();
  readonly phases = newPhases();
  readonly counters: Record<string, number> = {};
  private readonly abort = new AbortController();
  private cancelled = false;
  private maps: MapTask[] = [];
  /** True while map tasks may still arrive from the feed. */
  private feedOpen = false;
  private readonly stragglers: Partial<Record<Phase, StragglerDetector>> = {};

  constructor(
    readonly job: StoredJob,
    private readonly definition: JobDefinition,
    private readonly params: Record<string, unknown>,
    private readonly deps: RunnerDeps,
    /** Input still arriving (an upload): its ranges become map tasks as they complete. */
    private readonly feed?: MapInputFeed,
  ) {}

  /** Progress of both phases. */
  progress(): PhaseProgress[] {
    return [this.phases.map.toProto(), this.phases.reduce.toProto()];
  }

  /** Stops every running attempt; the job ends CANCELLED. */
  cancel(): void {
    this.cancelled = true;
    this.abort.abort(new CancelledError(`job ${this.job.id} was cancelled`));
  }

  /** Runs the job to a final state; never throws. */
  async run(): Promise<void> {
    const { job, deps } = this;
    // Breaker transitions and bulkhead rejections are cluster events every running job may feel.
    const onNotice = (text: string): void => this.events.append({ case: 'notice', value: text }, this.progress());
    deps.policies.on('notice', onNotice);
    try {
      job.state = JobState.RUNNING;
      job.startedMs = Date.now();
      deps.store.update(job);
      this.events.append({ case: 'state', value: JobState.RUNNING }, this.progress());
      // A job re-run after a coordinator restart starts its output afresh.
      deps.store.clearResults(job.id);

      const plans = await withSpan('plan', { 'weft.job.id': job.id }, async (span) => {
        const mapSlots = deps.registry.available(NodeRole.MAPPER).reduce((sum, node) => sum + node.slots, 0);
        const spec = this.feed ? { ...job.spec, inputs: job.spec.inputs.filter((_, index) => index !== this.feed!.inputIndex) } : job.spec;
        const planned = await planMapTasks(spec, { ...deps.split, mapSlots });
        span.setAttributes({ 'weft.map.tasks': planned.tasks.length, 'weft.reduce.tasks': this.partitions, 'weft.map.split_bytes': planned.splitBytes, 'weft.map.slots': mapSlots });
        return planned.tasks;
      });
      this.maps = plans.map((plan) => ({ plan, attempts: 0 }));
      this.phases.map.tasksTotal = this.maps.length;
      this.phases.reduce.tasksTotal = this.partitions;
      await this.all([...this.maps.map((task) => this.runMapTask(task)), ...(this.feed ? [this.followFeed(this.feed)] : [])]);
      await this.all(Array.from({ length: this.partitions }, (_, partition) => this.runReduceTask(partition)));

      job.resultCount = deps.store.countResults(job.id);
      if (job.spec.outputDir) await commitJobOutput(job.spec.outputDir);
      this.finish(JobState.SUCCEEDED, '');
    } catch (error) {
      if (this.cancelled) this.finish(JobState.CANCELLED, 'cancelled');
      else this.finish(JobState.FAILED, error instanceof Error ? error.message : String(error));
    } finally {
      deps.policies.off('notice', onNotice);
      deps.registry.broadcast(NodeRole.MAPPER, { kind: { case: 'dropJob', value: { jobId: job.id } } });
    }
  }

  private get partitions(): number {
    return this.job.spec.reducers ?? 1;
  }

  private get attemptJob(): AttemptJob {
    return {
      function: this.job.spec.function,
      paramsJson: JSON.stringify(this.params),
      partitions: this.partitions,
      skipBadRecords: this.job.spec.skipBadRecords,
      timeoutMs: this.deps.taskTimeoutMs,
      sendFiles: this.deps.sharedFiles === false,
    };
  }

  private get maxAttempts(): number {
    return this.job.spec.maxAttempts || this.deps.maxAttempts;
  }

  /**
   * Starts a map task for each range of the feed as it arrives, then waits for them all. A task
   * that fails stops the feed at once (the job's abort), and input that broke off fails the job.
   */
  private async followFeed(feed: MapInputFeed): Promise<void> {
    const started: Promise<void>[] = [];
    const failed = (error: unknown): void => {
      if (!this.abort.signal.aborted) this.abort.abort(error);
    };
    this.feedOpen = true;
    try {
      for await (const input of feed.ranges(this.abort.signal)) {
        const task: MapTask = { plan: { id: `m-${this.maps.length}`, input, bytes: input.end - input.start }, attempts: 0 };
        this.maps.push(task);
        this.phases.map.tasksTotal += 1;
        const run = this.runMapTask(task);
        run.catch(failed);
        started.push(run);
      }
    } catch (error) {
      await Promise.allSettled(started);
      throw error;
    } finally {
      this.feedOpen = false;
    }
    await Promise.all(started);
  }

  /** Like Promise.all, but the first failure aborts the job's other work at once. */
  private async all(work: Promise<void>[]): Promise<void> {
    try {
      await Promise.all(work);
    } catch (error) {
      if (!this.abort.signal.aborted) this.abort.abort(error);
      await Promise.allSettled(work);
      throw error;
    }
  }

  /** What a round of attempts of `phase` needs (see attempt-race.ts). */
  private raceContext(phase: Phase.MAP | Phase.REDUCE): RaceContext {
    const counts = phase === Phase.MAP ? this.phases.map : this.phases.reduce;
    // While a feed may add map tasks the phase is not near its end, whatever the counts say.
    this.stragglers[phase] ??= new StragglerDetector(this.deps.speculation, () => ({ total: counts.tasksTotal + (phase === Phase.MAP && this.feedOpen ? 1 : 0), done: counts.tasksDone }));
    return {
      scheduler: this.deps.scheduler,
      policies: this.deps.policies,
      role: phase === Phase.MAP ? NodeRole.MAPPER : NodeRole.REDUCER,
      phase,
      counts,
      stragglers: this.stragglers[phase],
      signal: this.abort.signal,
      timeoutMs: this.deps.taskTimeoutMs,
      event: (event) => this.taskEvent(event),
      failed: (taskId, attempt, nodeId, error, started) => this.recordFailure(counts, taskId, phase, attempt, nodeId, error, started),
      count: (name, delta) => this.count(name, delta),
    };
  }

  /** Runs rounds of attempts (each maybe with a backup) until one succeeds or `maxAttempts` attempts failed. */
  private async runRounds<T>(phase: Phase.MAP | Phase.REDUCE, taskId: string, nextAttempt: () => number, before: () => Promise<void>, run: Parameters<typeof raceAttempts<T>>[4], avoidFirst: readonly string[] = []): Promise<Awaited<ReturnType<typeof raceAttempts<T>>> & { ok: true }> {
    const avoid = new Set<string>(avoidFirst);
    let lastError: unknown;
    for (let failures = 0; failures < this.maxAttempts; ) {
      await before();
      const outcome = await raceAttempts(this.raceContext(phase), taskId, avoid, nextAttempt, run);
      if (outcome.ok) return outcome;
      if (this.abort.signal.aborted) throw this.abort.signal.reason;
      failures += outcome.failures;
      lastError = outcome.error;
      if (failures < this.maxAttempts) this.taskEvent({ taskId, phase, type: TaskEventType.RETRIED, message: `retrying after: ${failureMessage(outcome.error)}` });
    }
    throw Object.assign(new Error(failureMessage(lastError)), { attempts: this.maxAttempts });
  }

  /** Runs a map task to an accepted output; `avoid` names nodes to try last (one its output could not be read from). */
  private async runMapTask(task: MapTask, avoid: readonly string[] = []): Promise<void> {
    const counts = this.phases.map;
    const { winner } = await this.runRounds(
      Phase.MAP,
      task.plan.id,
      () => ++task.attempts,
      async () => undefined,
      (lease, attempt, signal) => runMapAttempt(this.deps.clients, lease.node.address, { jobId: this.job.id, taskId: task.plan.id, attempt }, task.plan.input, this.attemptJob, signal),
      avoid,
    ).catch((error: unknown) => {
      if (this.abort.signal.aborted) throw error;
      throw new Error(`map task ${task.plan.id} (${task.plan.input.label}) failed after ${this.maxAttempts} attempts: ${failureMessage(error)}`);
    });
    const { lease, attempt, started, value: result } = winner;
    lease.release(true);
    counts.tasksRunning -= 1;
    task.output = { nodeId: lease.node.id, address: lease.node.address, attempt, holder: lease.node };
    const c = result.counters!;
    counts.tasksDone += 1;
    counts.recordsIn += Number(c.recordsIn);
    counts.recordsOut += Number(c.recordsOut);
    counts.bytesIn += Number(c.bytesIn);
    counts.bytesOut += Number(c.bytesOut);
    this.count('map.skipped_records', Number(c.skippedRecords));
    for (const [name, value] of Object.entries(c.user)) this.count(`user.${name}`, Number(value));
    this.taskEvent({ taskId: task.plan.id, phase: Phase.MAP, attempt, type: TaskEventType.SUCCEEDED, nodeId: lease.node.id, recordsIn: c.recordsIn, recordsOut: c.recordsOut, elapsedMs: Date.now() - started });
  }

  /**
   * Re-runs every map task whose output lived on a node that is now dead (declared lost, even if
   * it has registered again since) or behind an open breaker, or that a reducer reported it could
   * not fetch.
   */
  private async ensureMapOutputs(): Promise<void> {
    await this.all(
      this.maps.map(async (task) => {
        const holder = task.output?.holder;
        if (task.output && !task.output.unreadable && holder && holder.state !== NodeState.DEAD && this.deps.policies.isUsable(holder)) return;
        const unreadableOn = task.output?.unreadable ? task.output.nodeId : undefined;
        if (task.output) {
          const why = task.output.unreadable ? 'could not be fetched from' : holder?.state === NodeState.DEAD ? 'was lost with' : 'is behind the open breaker of';
          this.events.append({ case: 'notice', value: `map output ${task.plan.id} ${why} node ${task.output.nodeId}; recomputing` }, this.progress());
          task.output = undefined;
          this.phases.map.tasksDone -= 1;
        }
        task.recompute ??= this.runMapTask(task, unreadableOn ? [unreadableOn] : []).finally(() => (task.recompute = undefined));
        await task.recompute;
      }),
    );
  }

  private async runReduceTask(partition: number): Promise<void> {
    const counts = this.phases.reduce;
    const taskId = `r-${partition}`;
    let attempts = 0;
    const { winner } = await this.runRounds(Phase.REDUCE, taskId, () => ++attempts, () => this.ensureMapOutputs(), async (lease, attempt, signal) => {
      const sources = this.maps.map((task) => ({ taskId: task.plan.id, attempt: task.output!.attempt, nodeId: task.output!.nodeId, address: task.output!.address }));
      // A node holding some of these outputs that is declared lost while the reducer fetches would
      // leave it waiting on fetches that cannot finish until their connect and fetch timeouts. Stop
      // the attempt then, as input unavailable (not the reducer's fault): the next round recomputes
      // the lost outputs first (ensureMapOutputs), as Spark resubmits the map stage on a lost executor.
      const holders = [...new Set(this.maps.map((task) => task.output!.holder))];
      try {
        return await runReduceAttempt(this.deps.clients, lease.node.address, { jobId: this.job.id, taskId, attempt }, partition, sources, this.attemptJob, AbortSignal.any([signal, ...holders.map((holder) => holder.lost.signal)]), (source) => this.fetchFailed(source));
      } catch (error) {
        const lost = signal.aborted ? undefined : holders.find((holder) => holder.lost.signal.aborted);
        if (lost) throw new InputUnavailableError(`map outputs on node ${lost.id} were lost with it (${failureMessage(lost.lost.signal.reason)})`, { cause: error });
        throw error;
      }
    }).catch((error: unknown) => {
      if (this.abort.signal.aborted) throw error;
      throw new Error(`reduce task ${taskId} failed after ${this.maxAttempts} attempts: ${failureMessage(error)}`);
    });
    const { lease, attempt, started, value: { output, result } } = winner;
    // The reducer's output is result records, the stored format: cut into chunks (checking them) and insert.
    const records = concatBytes(output);
    const written = withSpan('commit results', { 'weft.job.id': this.job.id, 'weft.task.id': taskId, 'weft.task.partition': partition }, (span) => {
      let chunks: ResultChunk[];
      try {
        chunks = cutChunks(records, defaultChunkBytes);
      } catch (error) {
        throw new Error(`reduce task ${taskId} attempt ${attempt} on node ${lease.node.id} returned bad results: ${failureMessage(error)}`, { cause: error });
      }
      const rows = this.deps.store.insertResults(this.job.id, partition, chunks);
      span.setAttribute('weft.records.out', rows);
      return rows;
    });
    if (this.job.spec.outputDir) await commitPartFile(this.job.spec.outputDir, partition, attempt, resultRows(records));
    lease.release(true);
    counts.tasksRunning -= 1;
    const c = result.counters!;
    counts.tasksDone += 1;
    counts.recordsIn += Number(c.recordsIn);
    counts.recordsOut += written;
    counts.bytesIn += Number(c.bytesIn);
    counts.bytesOut += Number(c.bytesOut);
    this.count('shuffle.bytes', Number(result.shuffleBytes));
    for (const [name, value] of Object.entries(c.user)) this.count(`user.${name}`, Number(value));
    this.taskEvent({ taskId, phase: Phase.REDUCE, attempt, type: TaskEventType.SUCCEEDED, nodeId: lease.node.id, recordsIn: c.recordsIn, recordsOut: BigInt(written), elapsedMs: Date.now() - started });
  }

  /** A reducer could not fetch a map output: the next reduce attempt recomputes it first. */
  private fetchFailed(source: MapOutputLocation): void {
    const task = this.maps.find((t) => t.plan.id === source.taskId);
    if (task?.output && task.output.attempt === source.attempt) task.output.unreadable = true;
  }

  private recordFailure(counts: PhaseCounts, taskId: string, phase: Phase, attempt: number, nodeId: string, error: unknown, started: number): void {
    counts.attemptsFailed += 1;
    const message = failureMessage(error);
    this.deps.log.warn({ jobId: this.job.id, taskId, attempt, nodeId, err: error }, 'task attempt failed');
    this.taskEvent({ taskId, phase, attempt, type: TaskEventType.FAILED, nodeId, message, elapsedMs: Date.now() - started });
    trace.getActiveSpan()?.addEvent('attempt failed', { 'weft.task.id': taskId, 'weft.task.attempt': attempt, 'weft.node.id': nodeId, 'exception.message': message });
  }

  private count(name: string, delta: number): void {
    if (delta !== 0) this.counters[name] = (this.counters[name] ?? 0) + delta;
  }

  private taskEvent(event: MessageInitShape<typeof TaskEventSchema>): void {
    this.events.append({ case: 'task', value: event }, this.progress());
  }

  private finish(state: JobState, error: string): void {
    const { job } = this;
    job.state = state;
    job.error = error;
    job.finishedMs = Date.now();
    for (const detector of Object.values(this.stragglers)) detector.close();
    Object.assign(this.counters, countersOf(this.phases.map), countersOf(this.phases.reduce));
    job.counters = { ...this.counters };
    this.deps.store.update(job);
    this.deps.log.info({ jobId: job.id, state: JobState[state], error: error || undefined, elapsedMs: job.finishedMs - job.startedMs }, 'job ended');
    this.events.append({ case: 'state', value: state }, this.progress());
    this.events.end();
  }
}

/** The message of a failure, a cancellation's own message (not a ConnectError's raw one) included. */
function failureMessage(error: unknown): string {
  return isCancelledError(error) ? error.message : messageOf(error);
}
