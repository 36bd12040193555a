import type { Run } from './run-format.js';
import { RunReader } from './run-reader.js';
import type { ValueCodec } from './value-codec.js';

/**
 * K-way merge of sorted runs (a binary min-heap of cursors keyed by their current key), grouping
 * equal keys: yields each distinct key once, in ascending order, with all its values (values from
 * earlier runs first). This is the reduce side of the shuffle.
 * @throws RangeError when a buffer is not a run or uses another codec.
 */
export function* mergeRuns<V>(runs: readonly Run[], codec: ValueCodec<V>): Generator<[key: string, values: V[]]> {
  yield* mergeCursors(runs.map((run) => new RunReader(run, codec)));
}

/** A cursor over one sorted run: `RunReader` (in memory) or `RunFileReader` (a file, read in windows). */
export interface RunCursor<V> {
  key: string;
  value: V;
  next(): boolean;
}

/**
 * {@link mergeRuns} over cursors that have not been advanced yet (e.g. file-backed ones, so the
 * merge holds one read window per run rather than the runs).
 */
export function* mergeCursors<V>(cursors: RunCursor<V>[]): Generator<[key: string, values: V[]]> {
  const heap: RunCursor<V>[] = [];
  const order: number[] = []; // run index per heap slot: ties break by run, so value order is stable
  for (let i = 0; i < cursors.length; i++) {
    const reader = cursors[i]!;
    if (reader.next()) {
      heap.push(reader);
      order.push(i);
    }
  }
  const less = (a: number, b: number): boolean => {
    const ka = heap[a]!.key;
    const kb = heap[b]!.key;
    return ka < kb || (ka === kb && order[a]! < order[b]!);
  };
  const swap = (a: number, b: number): void => {
    const r = heap[a]!;
    heap[a] = heap[b]!;
    heap[b] = r;
    const o = order[a]!;
    order[a] = order[b]!;
    order[b] = o;
  };
  const siftDown = (i: number): void => {
    const n = heap.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) return;
      const r = l + 1;
      const m = r < n && less(r, l) ? r : l;
      if (!less(m, i)) return;
      swap(i, m);
      i = m;
    }
  };
  for (let i = (heap.length >> 1) - 1; i >= 0; i--) siftDown(i);

  while (heap.length > 0) {
    const key = heap[0]!.key;
    const values: V[] = [];
    while (heap.length > 0 && heap[0]!.key === key) {
      const top = heap[0]!;
      values.push(top.value);
      // Drain equal keys from the same run without touching the heap.
      let more = top.next();
      while (more && top.key === key) {
        values.push(top.value);
        more = top.next();
      }
      if (!more) {
        const last = heap.length - 1;
        swap(0, last);
        heap.pop();
        order.pop();
      }
      siftDown(0);
    }
    yield [key, values];
  }
}
