import { open, rm, type FileHandle } from 'node:fs/promises';
import { PartitionUnavailableError } from '@weft/errors';
import { MapperService, type MapOutputLocation } from '@weft/proto/cluster';
import { runByteLength, runRecordCount, type Run } from '@weft/records';
import { createRetryPolicy, type ClientFactory } from '@weft/rpc';
import { timeout, TimeoutStrategy, wrap } from 'cockatiel';
import { weftMeter, withSpan } from '@weft/telemetry';

/** Options of {@link fetchPartition}. */
export interface FetchPartitionOptions {
  /** Map outputs fetched at once. */
  concurrency: number;
  signal: AbortSignal;
  /** Time allowed per fetch attempt, ms; 0/undefined = none. */
  timeoutMs?: number;
  /** Retries of a fetch failing with a retryable code or timing out (default 2). */
  retries?: number;
  /**
   * Reads one source's pieces (the `data` of its StreamPartition messages) instead of the Connect
   * client of `clients`: the reducer's own h2c reader (`PartitionStreams`). Errors must be
   * ConnectErrors, as the Connect client's are.
   */
  openStream?: (source: MapOutputLocation, request: { jobId: string; taskId: string; attempt: number; partition: number }, signal: AbortSignal) => AsyncIterable<Uint8Array>;
  /** Called once for every source that could not be read (after its retries), with the reason. */
  onFailed?: (source: MapOutputLocation, reason: string) => void;
  /**
   * Bound on fetched bytes held in memory at once (finished runs plus the chunks of fetches in
   * flight). With `spillFile`, a fetch that would go past it streams its bytes to a file as they
   * arrive (one chunk in memory at a time); without, held runs are merged down by `compact`.
   */
  memoryBudgetBytes?: number;
  /** Merges runs into one run of the same codec (values folded with the job's combine, if any). */
  compact?: (runs: Run[]) => Promise<Uint8Array>;
  /**
   * Start merging held runs (with `compact`, on the pool) while other sources still wait for a
   * fetch slot, instead of only once everything has arrived. No early merge starts once every
   * remaining source is being fetched, and none for the rest of the partition as soon as a merge
   * does not fold at least 10% of its records (a job without a combiner): either would only add work.
   */
  mergeWhileFetching?: boolean;
  /**
   * A fresh path in the local spill dir for the run of source `index`. When given (with
   * `memoryBudgetBytes`), fetches past the budget are streamed to such files: the partition, and
   * any one run of it, is never held whole.
   */
  spillFile?: (index: number) => string;
}

/** What {@link fetchPartition} fetched. */
export interface FetchedPartition {
  /**
   * Runs held in memory (merged runs in the place of the first run they replaced). A fetched run is
   * the pieces it arrived in (see `Run`), each the only view into its buffer, so the pool moves them
   * to a worker thread without a copy.
   */
  runs: Run[];
  /** Runs streamed to files (in source order). The caller removes them. */
  files: string[];
  /** Bytes fetched from the mappers (the shuffle). */
  bytes: number;
  /** Most fetched bytes held in memory at once (finished runs + chunks of fetches in flight). */
  peakHeldBytes: number;
  /** Intermediate merges run while fetching. */
  merges: number;
}

/**
 * Pulls one partition from every map output that holds a piece of it, straight from the mappers
 * (the coordinator is not in the data path), at most `concurrency` fetches at a time. Memory stays
 * within `memoryBudgetBytes` plus one chunk per fetch in flight (see the options). A source that
 * cannot be read does not stop the others: the remaining sources are still checked (once one
 * failed, only probed: their first chunk is read, then the stream is cancelled), every unreadable
 * one is reported to `onFailed`, and the fetch then rejects with PartitionUnavailableError naming
 * them all, so the coordinator can recompute them in one round. Files written before a failure
 * are removed.
 */
export async function fetchPartition(
  clients: ClientFactory,
  jobId: string,
  partition: number,
  sources: readonly MapOutputLocation[],
  options: FetchPartitionOptions,
): Promise<FetchedPartition> {
  const perFetch = options.timeoutMs ? timeout(options.timeoutMs, TimeoutStrategy.Aggressive) : undefined;
  const retry = createRetryPolicy({ retries: options.retries ?? 2, initialDelayMs: 100, maxDelayMs: 2_000, idempotent: true });
  const policy = perFetch ? wrap(retry, perFetch) : retry;
  const { memoryBudgetBytes, compact, spillFile } = options;
  const runs: Run[] = new Array<Run>(sources.length);
  const files: string[] = new Array<string>(sources.length);
  const failures: string[] = [];
  let bytes = 0;
  let next = 0;
  let held = 0; // bytes in `runs` plus chunks of fetches in flight
  let peakHeldBytes = 0;
  let merges = 0;
  let overlap = options.mergeWhileFetching === true && compact !== undefined;
  // The merge in flight: it never rejects. A failed merge is kept in `compactionFailure` (its input
  // runs are gone from `runs`, so the partition cannot be finished without it) and thrown where
  // the fetch next waits: a merge that fails while fetches go on, or is cancelled with the call,
  // must not become an unhandled rejection, and must never be skipped.
  let compacting: Promise<void> | undefined;
  let compactionFailure: { error: unknown } | undefined;
  const hold = (n: number): void => {
    held += n;
    if (held > peakHeldBytes) peakHeldBytes = held;
  };

  /** Merges the runs held now into one (in the place of the first); returns false when there are fewer than 2. */
  const startCompaction = (): boolean => {
    const batch = runs.flatMap((run, i) => (run ? [i] : []));
    if (!compact || batch.length < 2) return false;
    const inputs = batch.map((i) => runs[i]!);
    const inputBytes = inputs.reduce((sum, r) => sum + runByteLength(r), 0);
    const inputRecords = inputs.reduce((sum, r) => sum + runRecordCount(r), 0);
    for (const i of batch) delete runs[i];
    merges += 1;
    compacting = compact(inputs)
      .then(
        (merged) => {
          runs[batch[0]!] = merged;
          held -= inputBytes;
          hold(merged.byteLength);
          // Without a combiner a merge cannot fold records: merging early only adds work then.
          if (runRecordCount(merged) > inputRecords * 0.9) overlap = false;
        },
        (error: unknown) => {
          compactionFailure ??= { error };
        },
      )
      .finally(() => {
        compacting = undefined;
      });
    return true;
  };
  /** Waits for the merge in flight, then throws the first merge failure if there was one. */
  const settleCompaction = async (): Promise<void> => {
    if (compacting) await compacting;
    if (compactionFailure) throw compactionFailure.error;
  };
  const afterFetch = async (): Promise<void> => {
    if (failures.length > 0) return;
    if (compactionFailure) throw compactionFailure.error;
    if (!spillFile && memoryBudgetBytes !== undefined && held > memoryBudgetBytes) {
      // No spill dir: merge down until back within the budget (one merge at a time).
      await settleCompaction();
      if (held > memoryBudgetBytes && startCompaction()) await settleCompaction();
      return;
    }
    // Only while sources still wait for a fetch slot: once every remaining source is streaming in,
    // the final merge sees them all within one fetch's time, and an early merge would only merge twice.
    if (overlap && !compacting && next < sources.length) startCompaction();
  };

  const fetchOne = async (index: number): Promise<void> => {
    const source = sources[index]!;
    const probeOnly = failures.length > 0;
    const attributes = { 'weft.job.id': jobId, 'weft.task.partition': partition, 'weft.source.task.id': source.taskId, 'weft.source.attempt': source.attempt, 'weft.source.node.id': source.nodeId };
    await withSpan(`shuffle fetch ${source.taskId}`, { ...attributes, 'weft.probe': probeOnly }, async (span) => {
      const sink = new RunSink(spillFile && memoryBudgetBytes !== undefined ? () => spillFile(index) : undefined, memoryBudgetBytes, hold, () => held);
      try {
        const request = { jobId, taskId: source.taskId, attempt: source.attempt, partition };
        const open = options.openStream ?? connectStream(clients);
        // Idempotent: a fetch that failed with a retryable code or timed out is simply repeated.
        await policy.execute(async ({ signal }) => {
          await sink.reset();
          for await (const piece of open(source, request, signal)) {
            if (probeOnly) break; // readable: that is all a probe needs to know
            await sink.write(piece);
          }
        }, options.signal);
      } catch (error) {
        await sink.discard();
        if (options.signal.aborted) throw error;
        const reason = error instanceof Error ? error.message : String(error);
        failures.push(`map output ${source.taskId} attempt ${source.attempt} on ${source.nodeId} (${source.address}): ${reason}`);
        span.setAttribute('weft.unreadable', true);
        options.onFailed?.(source, reason);
        return;
      }
      if (probeOnly || failures.length > 0) {
        await sink.discard();
        return;
      }
      const stored = await sink.finish();
      bytes += stored.bytes;
      span.setAttribute('weft.bytes.in', stored.bytes);
      shuffleBytes().add(stored.bytes);
      if (stored.file !== undefined) {
        files[index] = stored.file;
        spilledBytes().add(stored.bytes);
        span.setAttribute('weft.spilled', true);
      } else {
        runs[index] = stored.run;
      }
    });
  };

  const worker = async (): Promise<void> => {
    while (next < sources.length) {
      await fetchOne(next++);
      await afterFetch();
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(options.concurrency, sources.length) }, worker));
    if (compacting) await compacting;
    // Failures are reported even when an early merge also failed: they are the reason to retry.
    if (compactionFailure && failures.length === 0) throw compactionFailure.error;
  } catch (error) {
    if (compacting) await compacting;
    await Promise.all(files.filter((f) => f !== undefined).map((f) => rm(f, { force: true })));
    throw error;
  }
  if (failures.length > 0) {
    await Promise.all(files.filter((f) => f !== undefined).map((f) => rm(f, { force: true })));
    throw new PartitionUnavailableError(`${failures.length} of ${sources.length} map outputs of partition ${partition} are unavailable: ${failures.join('; ')}`);
  }
  return { runs: runs.filter((run): run is Run => run !== undefined), files: files.filter((file): file is string => file !== undefined), bytes, peakHeldBytes, merges };
}

/** Pieces of a source read through the Connect client of `clients`. */
function connectStream(clients: ClientFactory): NonNullable<FetchPartitionOptions['openStream']> {
  return async function* (source, request, signal) {
    for await (const piece of clients.client(MapperService, source.address).streamPartition(request, { signal })) yield piece.data;
  };
}

/**
 * Where one fetch's bytes go as they arrive: chunks in memory while the partition's held bytes
 * stay within the budget, else a file (the chunks held so far are written out and let go, and each
 * later chunk is written as it comes). Counts the memory it holds through `hold`. The chunks are
 * kept as they arrived, not copied into one buffer: the run is its pieces (`Run`), which the worker
 * thread reads in place. That copy, into fresh memory, was the reducer main thread's largest cost
 * after Connect's own (page faults, and garbage collections set off by the external memory).
 */
class RunSink {
  private chunks: Uint8Array[] = [];
  private inMemory = 0;
  private handle: FileHandle | undefined;
  private file: string | undefined;
  private written = 0;

  constructor(
    private readonly newFile: (() => string) | undefined,
    private readonly budget: number | undefined,
    private readonly hold: (delta: number) => void,
    private readonly held: () => number,
  ) {}

  async write(piece: Uint8Array): Promise<void> {
    if (!this.handle && this.newFile && this.budget !== undefined && this.held() + piece.byteLength > this.budget) {
      this.file ??= this.newFile();
      this.handle = await open(this.file, 'w');
      for (const chunk of this.chunks) await this.append(chunk);
      this.release();
    }
    if (this.handle) {
      // One chunk in memory at a time: it is written before the next one is read.
      this.hold(piece.byteLength);
      try {
        await this.append(piece);
      } finally {
        this.hold(-piece.byteLength);
      }
      return;
    }
    // A piece must be the only view into its buffer, which moves to the worker thread with it.
    // A Connect message's bytes are (the buffer holds the message's tag and length besides);
    // a view into a larger buffer (a pooled slab, say) is copied.
    this.chunks.push(piece.buffer.byteLength - piece.byteLength <= 16 ? piece : new Uint8Array(piece));
    this.inMemory += piece.byteLength;
    this.hold(piece.byteLength);
  }

  /** Forgets what a failed attempt wrote (before a retry). */
  async reset(): Promise<void> {
    this.release();
    if (this.handle) {
      await this.handle.truncate(0);
      this.written = 0;
    }
  }

  /** The run, in memory (still counted as held) or in its file. */
  async finish(): Promise<{ run: Run; file?: undefined; bytes: number } | { file: string; run?: undefined; bytes: number }> {
    if (this.handle && this.file !== undefined) {
      await this.handle.close();
      this.handle = undefined;
      return { file: this.file, bytes: this.written };
    }
    const run = this.chunks;
    this.chunks = [];
    return { run, bytes: this.inMemory };
  }

  /** Drops everything: memory released, file closed and removed. */
  async discard(): Promise<void> {
    this.release();
    if (this.handle) await this.handle.close().catch(() => undefined);
    this.handle = undefined;
    if (this.file !== undefined) await rm(this.file, { force: true });
  }

  private release(): void {
    this.hold(-this.inMemory);
    this.inMemory = 0;
    this.chunks = [];
  }

  private async append(chunk: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < chunk.byteLength) {
      const { bytesWritten } = await this.handle!.write(chunk, offset, chunk.byteLength - offset, this.written + offset);
      offset += bytesWritten;
    }
    this.written += chunk.byteLength;
  }
}

let shuffleCounter: ReturnType<ReturnType<typeof weftMeter>['createCounter']> | undefined;

// Made on first use, after startTelemetry installed the meter provider.
function shuffleBytes(): NonNullable<typeof shuffleCounter> {
  return (shuffleCounter ??= weftMeter().createCounter('weft.shuffle.bytes', { unit: 'By', description: 'Bytes of map output fetched by reduce tasks (the shuffle).' }));
}

let spillCounter: ReturnType<ReturnType<typeof weftMeter>['createCounter']> | undefined;

function spilledBytes(): NonNullable<typeof spillCounter> {
  return (spillCounter ??= weftMeter().createCounter('weft.reducer.spilled.bytes', { unit: 'By', description: "Bytes of fetched map output a reduce task wrote to the reducer's spill dir (past REDUCER_MERGE_MEMORY)." }));
}
