/** Counts every task reports (the pool adds worker timestamps). */
export interface TaskCounts {
  /** Lines read (map) or records merged (reduce). */
  recordsIn: number;
  /** Input size in bytes. */
  bytesIn: number;
  /** Records written: to the output runs (map, merge) or as result records (reduce). */
  recordsOut: number;
  /** Output size in bytes (all runs, or the result records). */
  bytesOut: number;
  /** Input lines whose map threw and were skipped (skipBadRecords). */
  skippedRecords: number;
  /** Counters the job bumped with `ctx.counter`. */
  userCounters: Record<string, number>;
}

/** A `ctx.counter` implementation writing into `counters`. @internal */
export function counterInto(counters: Record<string, number>): (name: string, delta?: number) => void {
  return (name: string, delta = 1): void => {
    counters[name] = (counters[name] ?? 0) + delta;
  };
}

/** The message of any thrown value. @internal */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
