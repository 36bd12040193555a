import { CancelledError, fromErrorEnvelope, WorkerCrashedError } from '@weft/errors';
import { errorForAbort } from '@weft/jobs';
import { Piscina } from 'piscina';
import type { JobTraits, MapResult, MapWork, MergeResult, ReduceFilesResult, ReduceFilesWork, ReduceResult, ReduceWork, WorkerReply, WorkerTask } from './task-types.js';
import { prepareRunsTransfer, prepareTransfer } from './transfer.js';

/** Options of a {@link TaskPool}. */
export interface TaskPoolOptions {
  /** Worker threads, all started up front (a positive integer; typically the node's slots). */
  maxThreads: number;
  /** Modules every worker loads besides the built-ins (user jobs and functions); paths or package names. */
  functionModules?: string[];
}

// From dist, the worker sits beside this file. From src under jest (a .ts URL) the built worker is
// used: a real thread cannot load TypeScript sources that import workspace libs.
const workerUrl = import.meta.url.endsWith('.ts')
  ? new URL('../dist/worker.js', import.meta.url).href
  : new URL('./worker.js', import.meta.url).href;

/**
 * Runs map, reduce and CPU scatter-function bodies on a piscina worker_threads pool. Buffers move
 * between threads (transferred, not copied); failures come back as Weft's typed errors:
 * a job's own code → UserCodeError (with its location), unknown name → FunctionNotFoundError,
 * aborted → CancelledError (DeadlineExceededError when the signal's reason is a TimeoutError),
 * thread died → WorkerCrashedError (piscina replaces the thread; the pool keeps serving).
 */
export class TaskPool {
  /** Number of worker threads. */
  readonly threads: number;
  private readonly piscina: Piscina<WorkerTask, WorkerReply<unknown>>;
  private inFlight = 0;
  private closed = false;
  private readonly traits = new Map<string, Promise<JobTraits>>();

  /** @throws RangeError when `maxThreads` is not a positive integer. */
  constructor(options: TaskPoolOptions) {
    const { maxThreads } = options;
    if (!Number.isInteger(maxThreads) || maxThreads < 1) {
      throw new RangeError(`options.maxThreads must be a positive integer, got ${String(maxThreads)}`);
    }
    this.threads = maxThreads;
    this.piscina = new Piscina({
      filename: workerUrl,
      minThreads: maxThreads,
      maxThreads,
      idleTimeout: 60_000,
      workerData: { functionModules: options.functionModules ?? [] },
    });
    // Emitted when an idle thread dies; tasks that were running get their own rejection, and
    // piscina starts a replacement, so there is nothing else to do (an unhandled 'error' would kill the process).
    this.piscina.on('error', () => undefined);
  }

  /** Tasks running on a thread right now. */
  get busy(): number {
    return Math.max(0, Math.min(this.threads, this.inFlight - this.piscina.queueSize));
  }

  /** Tasks waiting for a free thread. */
  get queued(): number {
    return this.piscina.queueSize;
  }

  /**
   * Runs a map task on a worker thread. A `work.input` buffer is moved (see {@link MapWork.input});
   * a file split is read by the thread. `options.inputOwnsBuffer`: the caller gives up
   * `work.input`'s whole ArrayBuffer, so the input is transferred without a copy even when it views
   * only part of it (e.g. joined chunks in a larger buffer); default false.
   * @throws UserCodeError, FunctionNotFoundError, InvalidArgumentError, CancelledError,
   *   DeadlineExceededError or WorkerCrashedError (see the class doc).
   */
  async runMap(work: MapWork, options: { signal?: AbortSignal; inputOwnsBuffer?: boolean } = {}): Promise<MapResult> {
    if (!(work.input instanceof Uint8Array)) return this.run<MapResult>({ type: 'map', work }, [], 'map task', options.signal);
    const { views, transferList } = prepareTransfer([work.input], options.inputOwnsBuffer);
    return this.run<MapResult>({ type: 'map', work: { ...work, input: views[0]! } }, transferList, 'map task', options.signal);
  }

  /** Runs a reduce task on a worker thread. `work.runs` are moved. Throws as {@link TaskPool.runMap}. */
  async runReduce(work: ReduceWork, options: { signal?: AbortSignal } = {}): Promise<ReduceResult> {
    const { runs, transferList } = prepareRunsTransfer(work.runs);
    return this.run<ReduceResult>({ type: 'reduce', work: { ...work, runs } }, transferList, 'reduce task', options.signal);
  }

  /**
   * Runs a reduce task over runs in memory (`work.runs`, moved) and in files (`work.files`, read by
   * the thread in small windows), writing the output run to `work.outputFile`: memory stays bounded
   * whatever the size of the partition. Throws as {@link TaskPool.runMap} (plus fs errors as INTERNAL).
   */
  async runReduceFiles(work: ReduceFilesWork, options: { signal?: AbortSignal } = {}): Promise<ReduceFilesResult> {
    const { runs, transferList } = prepareRunsTransfer(work.runs);
    return this.run<ReduceFilesResult>({ type: 'reduce-files', work: { ...work, runs } }, transferList, 'reduce task', options.signal);
  }

  /**
   * Merges sorted runs of a job's map output into one (an intermediate pass of the reducer's
   * external merge; values folded with the job's combine when it has one). `work.runs` are moved.
   * Throws as {@link TaskPool.runMap}.
   */
  async runMerge(work: Pick<ReduceWork, 'job' | 'runs'>, options: { signal?: AbortSignal } = {}): Promise<MergeResult> {
    const { runs, transferList } = prepareRunsTransfer(work.runs);
    return this.run<MergeResult>({ type: 'merge', work: { job: work.job, params: {}, runs } }, transferList, 'merge task', options.signal);
  }

  /**
   * Runs a scatter function (meant for `cpu` ones) on a worker thread and returns its result.
   * `input` and the result are structured-cloned. Throws as {@link TaskPool.runMap}.
   */
  async runFunction(name: string, input: unknown, params: Record<string, unknown>, options: { signal?: AbortSignal } = {}): Promise<unknown> {
    return this.run<unknown>({ type: 'function', name, input, params }, [], `function ${name}`, options.signal);
  }

  /**
   * What the registered job `name` is like (asked of a worker thread once per name, then cached:
   * every thread loads the same modules). Throws FunctionNotFoundError for an unknown job, as
   * {@link TaskPool.runMap} would (not cached).
   */
  jobTraits(name: string): Promise<JobTraits> {
    let traits = this.traits.get(name);
    if (!traits) {
      traits = this.run<JobTraits>({ type: 'describe-job', job: name }, [], `describe job ${name}`, undefined);
      this.traits.set(name, traits);
      traits.catch(() => this.traits.delete(name));
    }
    return traits;
  }

  /** Terminates the threads. Tasks still running or queued reject with CancelledError. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.piscina.destroy();
  }

  private async run<T>(task: WorkerTask, transferList: ArrayBuffer[], what: string, signal: AbortSignal | undefined): Promise<T> {
    if (this.closed) throw new CancelledError(`${what} rejected: the task pool is closed`);
    this.inFlight++;
    let reply: WorkerReply<unknown>;
    try {
      reply = await this.piscina.run(task, { transferList, signal: signal ?? null });
    } catch (error) {
      throw this.failure(error, what, signal);
    } finally {
      this.inFlight--;
    }
    if (!reply.ok) throw fromErrorEnvelope(reply.error);
    return reply.value as T;
  }

  /** Maps a piscina rejection (never a task's own failure: those arrive as envelopes) to a typed error. */
  private failure(error: unknown, what: string, signal: AbortSignal | undefined): Error {
    if (signal?.aborted) return errorForAbort(signal, what);
    if (this.closed) return new CancelledError(`${what} was cancelled: the task pool closed`, { cause: error });
    const message = error instanceof Error ? error.message : String(error);
    return new WorkerCrashedError(`worker thread crashed running ${what}: ${message}`, { cause: error });
  }
}
