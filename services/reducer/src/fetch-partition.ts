import { PartitionUnavailableError } from '@weft/errors';
import { MapperService, type MapOutputLocation } from '@weft/proto/cluster';
import { concatBytes } from '@weft/records';
import { createRetryPolicy, type ClientFactory } from '@weft/rpc';
import { timeout, TimeoutStrategy, wrap } from 'cockatiel';
import { weftMeter, withSpan } from '@weft/telemetry';

/**
 * Pulls one partition from every map output that holds a piece of it, straight from the mappers
 * (the coordinator is not in the data path), at most `concurrency` fetches at a time. Returns the
 * runs in source order (a merged run in the place of the first it replaced, when a memory budget
 * made it compact). A source that cannot be read fails the fetch with
 * PartitionUnavailableError naming it, so the coordinator can recompute that map output.
 */
export async function fetchPartition(
  clients: ClientFactory,
  jobId: string,
  partition: number,
  sources: readonly MapOutputLocation[],
  options: {
    concurrency: number;
    signal: AbortSignal;
    /** Time allowed per fetch attempt, ms; 0/undefined = none. */
    timeoutMs?: number;
    /** Retries of a fetch failing with a retryable code or timing out (default 2). */
    retries?: number;
    /** Called with the source whose fetch finally failed, before the fetch rejects. */
    onFailed?: (source: MapOutputLocation) => void;
    /**
     * Bound on fetched bytes held at once: past it, the runs held so far are merged into one by
     * `compact` (on the pool, values combined) and let go, so a partition is never held whole.
     */
    memoryBudgetBytes?: number;
    /** Merges runs into one run of the same codec (see `memoryBudgetBytes`). */
    compact?: (runs: Uint8Array[]) => Promise<Uint8Array>;
    /**
     * Writes a run to the local spill dir and returns its path. When given (with
     * `memoryBudgetBytes`), a fetched run that would take the bytes held past the budget is
     * spilled instead of held (and `compact` is not used): the partition is never held whole.
     */
    spill?: (run: Uint8Array, index: number) => Promise<string>;
  },
): Promise<{ runs: Uint8Array[]; files: string[]; bytes: number }> {
  const perFetch = options.timeoutMs ? timeout(options.timeoutMs, TimeoutStrategy.Aggressive) : undefined;
  const retry = createRetryPolicy({ retries: options.retries ?? 2, initialDelayMs: 100, maxDelayMs: 2_000, idempotent: true });
  const policy = perFetch ? wrap(retry, perFetch) : retry;
  const runs: Uint8Array[] = new Array<Uint8Array>(sources.length);
  const files: string[] = new Array<string>(sources.length);
  let bytes = 0;
  let next = 0;
  // Runs fetched and not yet compacted, with their total size (only used with a memory budget).
  let held = 0;
  let compacting: Promise<void> | undefined;
  const compactIfOver = async (): Promise<void> => {
    const { memoryBudgetBytes, compact } = options;
    if (!compact || memoryBudgetBytes === undefined || held <= memoryBudgetBytes || compacting) return;
    const batch = runs.flatMap((run, i) => (run ? [i] : []));
    if (batch.length < 2) return;
    const inputs = batch.map((i) => runs[i]!);
    for (const i of batch) delete runs[i];
    held -= inputs.reduce((sum, r) => sum + r.byteLength, 0);
    compacting = compact(inputs).then((merged) => {
      // The merged run takes the place of the first run it replaced.
      runs[batch[0]!] = merged;
      held += merged.byteLength;
    });
    try {
      await compacting;
    } finally {
      compacting = undefined;
    }
  };
  const worker = async (): Promise<void> => {
    while (next < sources.length) {
      const index = next++;
      const source = sources[index]!;
      const attributes = { 'weft.job.id': jobId, 'weft.task.partition': partition, 'weft.source.task.id': source.taskId, 'weft.source.attempt': source.attempt, 'weft.source.node.id': source.nodeId };
      await withSpan(`shuffle fetch ${source.taskId}`, attributes, async (span) => {
        const chunks: Uint8Array[] = [];
        try {
          const mapper = clients.client(MapperService, source.address);
          // Idempotent: a fetch that failed with a retryable code or timed out is simply repeated.
          await policy.execute(async ({ signal }) => {
            chunks.length = 0;
            for await (const piece of mapper.streamPartition({ jobId, taskId: source.taskId, attempt: source.attempt, partition }, { signal })) {
              chunks.push(piece.data);
            }
          }, options.signal);
        } catch (error) {
          if (options.signal.aborted) throw error;
          options.onFailed?.(source);
          const reason = error instanceof Error ? error.message : String(error);
          throw new PartitionUnavailableError(`map output ${source.taskId} attempt ${source.attempt} on ${source.nodeId} (${source.address}) is unavailable: ${reason}`);
        }
        const run = concatBytes(chunks);
        chunks.length = 0;
        bytes += run.byteLength;
        span.setAttribute('weft.bytes.in', run.byteLength);
        shuffleBytes().add(run.byteLength);
        if (options.spill && options.memoryBudgetBytes !== undefined && held + run.byteLength > options.memoryBudgetBytes) {
          files[index] = await options.spill(run, index);
          spilledBytes().add(run.byteLength);
          span.setAttribute('weft.spilled', true);
        } else {
          runs[index] = run;
          held += run.byteLength;
        }
      });
      if (!options.spill) await compactIfOver();
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, sources.length) }, worker));
  return { runs: runs.filter((run): run is Uint8Array => run !== undefined), files: files.filter((file): file is string => file !== undefined), bytes };
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
