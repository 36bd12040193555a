import { decodeUtf8 } from './byte-reader.js';
import { compareKeyBytes, equalKeyBytes } from './key-order.js';
import type { Run } from './run-format.js';
import { RawRunReader } from './run-reader.js';
import type { ValueCodec } from './value-codec.js';

/**
 * {@link mergeRuns} over runs in memory without a JS string per record: keys are compared and
 * grouped as their UTF-8 bytes (in the runs' own order, see `compareKeyBytes`), and a key is
 * decoded only when asked for ({@link KeyGroupMerge.key}), once per distinct key. Same groups, same
 * order, same values (earlier runs first) as `mergeRuns`. A cursor, not a generator:
 * `while (merge.next()) use(merge.key, merge.values)`; a writer can copy the key's bytes
 * (`keyBytes[keyStart, keyEnd)`) instead of encoding the string again.
 */
export class KeyGroupMerge<V> {
  /** Values of the current key, values from earlier runs first (a new array per key). */
  values: V[] = [];
  /** The buffer holding the current key's UTF-8 bytes (one of the runs). */
  keyBytes: Uint8Array = new Uint8Array(0);
  /** Start of the current key's bytes in `keyBytes`. */
  keyStart = 0;
  /** End (exclusive) of the current key's bytes in `keyBytes`. */
  keyEnd = 0;
  private decoded: string | undefined;
  private readonly cursors: RawRunReader<V>[];
  /** Cursor indices, a binary min-heap by (key, cursor index): ties break by run, so value order is stable. */
  private readonly heap: number[] = [];

  /**
   * @param runs buffers produced by `RunWriter.finish()`, all with `codec`, or such runs as their pieces ({@link Run}).
   * @throws RangeError when a buffer is not a run or uses another codec.
   */
  constructor(runs: readonly Run[], codec: ValueCodec<V>) {
    this.cursors = runs.map((run) => new RawRunReader(run, codec));
    for (let i = 0; i < this.cursors.length; i++) if (this.cursors[i]!.next()) this.heap.push(i);
    for (let i = (this.heap.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  /** The current key, decoded on first use. */
  get key(): string {
    return (this.decoded ??= decodeUtf8(this.keyBytes, this.keyStart, this.keyEnd));
  }

  /**
   * Advances to the next distinct key and gathers all its values; false at the end.
   * @throws RangeError when a run is truncated.
   */
  next(): boolean {
    const heap = this.heap;
    if (heap.length === 0) return false;
    const cursors = this.cursors;
    const first = cursors[heap[0]!]!;
    // The key stays valid after its cursor moves on: runs are not modified.
    const bytes = first.run;
    const start = first.keyStart;
    const end = first.keyEnd;
    const values: V[] = [];
    for (let top = first; ; top = cursors[heap[0]!]!) {
      // The first cursor holds the key; any other (or the first one again) must match it.
      if (values.length > 0 && !equalKeyBytes(top.run, top.keyStart, top.keyEnd, bytes, start, end)) break;
      values.push(top.value);
      // Drain equal keys from the same run without touching the heap.
      let more = top.next();
      while (more && equalKeyBytes(top.run, top.keyStart, top.keyEnd, bytes, start, end)) {
        values.push(top.value);
        more = top.next();
      }
      if (!more) {
        const last = heap.pop()!;
        if (heap.length === 0) break;
        heap[0] = last;
      }
      this.siftDown(0);
    }
    this.keyBytes = bytes;
    this.keyStart = start;
    this.keyEnd = end;
    this.decoded = undefined;
    this.values = values;
    return true;
  }

  private less(a: number, b: number): boolean {
    const x = this.cursors[a]!;
    const y = this.cursors[b]!;
    const order = compareKeyBytes(x.run, x.keyStart, x.keyEnd, y.run, y.keyStart, y.keyEnd);
    return order < 0 || (order === 0 && a < b);
  }

  private siftDown(i: number): void {
    const heap = this.heap;
    const n = heap.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) return;
      const r = l + 1;
      const m = r < n && this.less(heap[r]!, heap[l]!) ? r : l;
      if (!this.less(heap[m]!, heap[i]!)) return;
      const swap = heap[i]!;
      heap[i] = heap[m]!;
      heap[m] = swap;
      i = m;
    }
  }
}
