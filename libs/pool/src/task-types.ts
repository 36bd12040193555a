import type { ErrorEnvelope } from '@weft/errors';
import type { TaskCounts } from '@weft/jobs';
import type { Run } from '@weft/records';

/** A map task for the pool. */
export interface MapWork {
  /** Registered job name. */
  job: string;
  /** Job parameters (validated again in the worker; defaults filled there if missing). */
  params: Record<string, unknown>;
  /** Number of reduce partitions (a positive integer). */
  partitions: number;
  /**
   * Newline-separated UTF-8 lines, or the split of a file holding them, which the worker thread
   * reads itself piece by piece (`FileRangeLines`: the lines starting in [start, end)). A buffer is
   * MOVED to the worker: when the view owns its whole ArrayBuffer, that buffer is transferred (the
   * caller's view becomes empty); otherwise it is copied first.
   */
  input: Uint8Array | FileSplit;
  /** Names the input in errors and grep keys, e.g. `/data/a.txt`. */
  inputLabel: string;
  /** Line number (0-based) of the input's first line within its file, for error locations. */
  firstLine: number;
  /** Byte offset of the input within its file (a split that starts mid-file), for error locations. Default 0; for a `FileSplit`, the worker finds it. */
  inputOffset?: number;
  /** Skip and count lines whose map throws instead of failing the task. */
  skipBadRecords: boolean;
}

/** A byte range of a file: a map task owns the lines that start in [start, end). */
export interface FileSplit {
  path: string;
  start: number;
  end: number;
}

/** What every task reports. Timestamps are epoch milliseconds (fractional) measured IN the worker thread. */
export interface TaskStats extends TaskCounts {
  /** When the worker thread started the task (epoch ms). */
  workerStartedMs: number;
  /** When the worker thread finished the task (epoch ms). */
  workerEndedMs: number;
}

/** A map task's result: one sorted run per partition (transferred back, not copied). */
export interface MapResult extends TaskStats {
  partitions: Uint8Array[];
  partitionRecords: number[];
}

/** A reduce task for the pool. */
export interface ReduceWork {
  job: string;
  params: Record<string, unknown>;
  /**
   * Runs of the job's `values` codec. MOVED: a run in one buffer like `MapWork.input`; a run in
   * pieces (`Run`, as a reducer fetched it) piece by piece with each piece's whole ArrayBuffer,
   * which the caller gives up (a piece must be the only view into its buffer).
   */
  runs: Run[];
}

/**
 * A reduce task's result: its result records, size-delimited `weft.v1.Record` messages with keys
 * ascending in UTF-8 byte order, each once (`@weft/records` `ResultWriter`), exactly the bytes the
 * coordinator stores; a buffer at offset 0 that owns its ArrayBuffer (transferred back).
 */
export interface ReduceResult extends TaskStats {
  output: Uint8Array;
}

/**
 * A reduce task whose runs may be stored in files (a reducer's spill) and whose result records (as
 * {@link ReduceResult.output}) are written to a file: the worker streams the merge, holding one
 * small read window per file (bounded memory).
 */
export interface ReduceFilesWork extends ReduceWork {
  /** Runs stored in files (read by the worker thread; merged after `runs`, in this order). */
  files: string[];
  /** Where the worker writes the result records (created or truncated). */
  outputFile: string;
}

/** A file reduce's result: the counts; the result records are in `ReduceFilesWork.outputFile`. */
export interface ReduceFilesResult extends TaskStats {
  /** Largest read windows + write buffer the merge held at once, bytes. */
  peakBufferBytes: number;
}

/** An intermediate merge's result: one run of the job's `values` codec (transferred back). */
export interface MergeResult {
  output: Uint8Array;
  recordsIn: number;
  bytesIn: number;
}

/** A message to the worker thread. @internal */
export type WorkerTask =
  | { type: 'map'; work: MapWork }
  | { type: 'reduce'; work: ReduceWork }
  | { type: 'merge'; work: ReduceWork }
  | { type: 'reduce-files'; work: ReduceFilesWork }
  | { type: 'function'; name: string; input: unknown; params: Record<string, unknown> }
  | { type: 'describe-job'; job: string };

/** What the pool can tell about a registered job without running it. */
export interface JobTraits {
  /** The job has a map-side `combine`, so merging its runs folds values (an early merge shrinks them). */
  combines: boolean;
}

/** What the worker thread returns: typed errors do not survive structured clone, envelopes do. @internal */
export type WorkerReply<T> = { ok: true; value: T } | { ok: false; error: ErrorEnvelope };
