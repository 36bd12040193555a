import { ResultOrder } from '@weft/proto';
import { ByteWriter, RecordCursor, compareBytes } from '@weft/records';

/** Where a job's result chunks come from (the journal; a map in tests). */
export interface ChunkSource {
  /** The partitions that have chunks. */
  readonly partitions: readonly number[];
  /** Chunk `seq` (0, 1, ...) of `partition`, or undefined past its last chunk. */
  chunk(partition: number, seq: number): Uint8Array | undefined;
}

/** Some records, in order: size-delimited `weft.v1.Record` messages. */
export interface DelimitedBatch {
  /** The records' bytes (ReadResultsResponse.delimited_records). */
  readonly data: Uint8Array;
  /** Records in `data`. */
  readonly records: number;
}

/** Above this many records (offset + limit), VALUE_DESC sorts everything instead of keeping a heap. */
const topNMax = 1 << 16;

/**
 * A job's results in `order`, skipping `offset` records and stopping after `limit` (0: all), in
 * batches of about `batchBytes` record bytes. Key order is a k-way merge of the partitions'
 * sorted chunks that compares key bytes and holds one chunk per partition; value order
 * (descending integers, ties by ascending key, JSON values last as SQL's NULLs sort in
 * `ORDER BY ival DESC, key ASC`) keeps the best `offset + limit` records in a heap when that is
 * small, and otherwise sorts the key-ordered records by value.
 */
export function* readResultBatches(source: ChunkSource, order: ResultOrder, limit: number, offset: number, batchBytes: number): Generator<DelimitedBatch> {
  if (order !== ResultOrder.VALUE_DESC) {
    yield* keyOrder(source, limit, offset, batchBytes);
  } else if (limit > 0 && offset + limit <= topNMax) {
    yield* topValues(source, limit, offset, batchBytes);
  } else {
    yield* sortedByValue(source, limit, offset, batchBytes);
  }
}

/** One partition's records across its chunks. */
class PartitionCursor extends RecordCursor {
  private seq = 0;

  constructor(
    private readonly source: ChunkSource,
    private readonly partition: number,
  ) {
    super(new Uint8Array(0));
  }

  /** Moves to the next record, loading the next chunk when this one is done; false at the end. */
  advance(): boolean {
    for (;;) {
      if (this.next()) return true;
      const data = this.source.chunk(this.partition, this.seq);
      if (!data) return false;
      this.seq += 1;
      this.data = data;
      this.end = 0;
    }
  }

  /** The chunk after the current one (for draining the last partition of a merge). */
  nextChunk(): Uint8Array | undefined {
    const data = this.source.chunk(this.partition, this.seq);
    if (data) this.seq += 1;
    return data;
  }
}

function* keyOrder(source: ChunkSource, limit: number, offset: number, batchBytes: number): Generator<DelimitedBatch> {
  const cursors = source.partitions.map((p) => new PartitionCursor(source, p)).filter((c) => c.advance());
  const heap = new Heap(cursors, (a, b) => compareBytes(a.data, a.keyStart, a.keyEnd, b.data, b.keyStart, b.keyEnd) < 0);
  const batch = new BatchBuilder(batchBytes);
  let skip = offset;
  let left = limit > 0 ? limit : Infinity;
  while (heap.size > 1 && left > 0) {
    const c = heap.top;
    if (skip > 0) skip -= 1;
    else {
      const full = batch.add(c.data, c.start, c.end);
      if (full) yield full;
      left -= 1;
    }
    if (c.advance()) heap.siftTop();
    else heap.pop();
  }
  if (batch.records > 0) yield batch.take();
  if (heap.size === 0 || left <= 0) return;
  // One partition left: its remaining chunk bytes go out as they are.
  const last = heap.top;
  let data: Uint8Array | undefined = last.data;
  let from = last.start;
  while (data && left > 0) {
    if (skip > 0) {
      const skipped = spanRecords(data, from, skip);
      skip -= skipped.records;
      from = skipped.end;
    }
    const taken = spanRecords(data, from, left);
    if (taken.records > 0) {
      yield { data: data.subarray(from, taken.end), records: taken.records };
      left -= taken.records;
    }
    data = last.nextChunk();
    from = 0;
  }
}

/** The offset after at most `max` records of `data` from `from`, and how many that is. */
function spanRecords(data: Uint8Array, from: number, max: number): { end: number; records: number } {
  let pos = from;
  let records = 0;
  while (records < max && pos < data.length) {
    let length = 0;
    let scale = 1;
    let b: number;
    do {
      b = data[pos++]!;
      length += (b & 0x7f) * scale;
      scale *= 0x80;
    } while (b >= 0x80);
    pos += length;
    records += 1;
  }
  if (pos > data.length) throw new RangeError('result chunk is truncated: a record runs past the end of the buffer');
  return { end: pos, records };
}

/** -1 when `a` sorts before `b` in VALUE_DESC (larger integers first, JSON values last), 1 after, 0 tied. */
function compareValues(a: number | bigint | null, b: number | bigint | null): number {
  if (a === null) return b === null ? 0 : 1;
  if (b === null) return -1;
  // number < bigint comparisons are exact in JavaScript.
  return a > b ? -1 : a < b ? 1 : 0;
}

/** A record kept by the top-N heap: a copy of its bytes, its key's place in them, its value. */
interface Ranked {
  readonly data: Uint8Array;
  readonly keyStart: number;
  readonly keyEnd: number;
  readonly value: number | bigint | null;
}

function compareRanked(a: Ranked, b: Ranked): number {
  return compareValues(a.value, b.value) || compareBytes(a.data, a.keyStart, a.keyEnd, b.data, b.keyStart, b.keyEnd);
}

function* topValues(source: ChunkSource, limit: number, offset: number, batchBytes: number): Generator<DelimitedBatch> {
  const wanted = offset + limit;
  // The root is the worst record kept, so a record that beats it replaces it.
  const heap = new Heap<Ranked>([], (a, b) => compareRanked(a, b) > 0);
  for (const partition of source.partitions) {
    const c = new PartitionCursor(source, partition);
    while (c.advance()) {
      const value = c.intValue();
      if (heap.size === wanted) {
        const worst = heap.top;
        const byValue = compareValues(value, worst.value);
        if (byValue > 0 || (byValue === 0 && compareBytes(c.data, c.keyStart, c.keyEnd, worst.data, worst.keyStart, worst.keyEnd) >= 0)) continue;
      }
      const ranked = { data: c.data.slice(c.start, c.end), keyStart: c.keyStart - c.start, keyEnd: c.keyEnd - c.start, value };
      if (heap.size === wanted) heap.replaceTop(ranked);
      else heap.push(ranked);
    }
  }
  const best = heap.items.sort(compareRanked).slice(offset);
  const batch = new BatchBuilder(batchBytes);
  for (const r of best) {
    const full = batch.add(r.data, 0, r.data.length);
    if (full) yield full;
  }
  if (batch.records > 0) yield batch.take();
}

function* sortedByValue(source: ChunkSource, limit: number, offset: number, batchBytes: number): Generator<DelimitedBatch> {
  const buffers: Uint8Array[] = [];
  const buffer: number[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  const values: (number | bigint | null)[] = [];
  for (const { data } of keyOrder(source, 0, 0, batchBytes)) {
    const c = new RecordCursor(data);
    while (c.next()) {
      buffer.push(buffers.length);
      starts.push(c.start);
      ends.push(c.end);
      values.push(c.intValue());
    }
    buffers.push(data);
  }
  // Records arrive in key order, so ties by value keep it when broken by that position.
  const order = Array.from({ length: values.length }, (_, i) => i);
  order.sort((a, b) => compareValues(values[a]!, values[b]!) || a - b);
  const end = limit > 0 ? Math.min(order.length, offset + limit) : order.length;
  const batch = new BatchBuilder(batchBytes);
  for (let i = offset; i < end; i++) {
    const r = order[i]!;
    const full = batch.add(buffers[buffer[r]!]!, starts[r]!, ends[r]!);
    if (full) yield full;
  }
  if (batch.records > 0) yield batch.take();
}

/** Gathers record bytes into batches of about `batchBytes`. */
class BatchBuilder {
  records = 0;
  private out: ByteWriter;

  constructor(private readonly batchBytes: number) {
    this.out = new ByteWriter(Math.min(batchBytes, 1 << 20) + 1024);
  }

  /** Appends `data[start, end)`; returns the batch when that filled it. */
  add(data: Uint8Array, start: number, end: number): DelimitedBatch | undefined {
    const out = this.out;
    const length = end - start;
    out.ensure(length);
    const bytes = out.bytes;
    let pos = out.length;
    for (let i = start; i < end; i++) bytes[pos++] = data[i]!;
    out.length = pos;
    this.records += 1;
    return out.length >= this.batchBytes ? this.take() : undefined;
  }

  /** The batch so far; starts a new one. */
  take(): DelimitedBatch {
    const batch = { data: this.out.bytes.subarray(0, this.out.length), records: this.records };
    this.out = new ByteWriter(Math.min(this.batchBytes, 1 << 20) + 1024);
    this.records = 0;
    return batch;
  }
}

/** A binary heap; `before(a, b)` is true when `a` belongs nearer the top. */
class Heap<T> {
  constructor(
    readonly items: T[],
    private readonly before: (a: T, b: T) => boolean,
  ) {
    for (let i = (items.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  get size(): number {
    return this.items.length;
  }

  /** The top item; the heap must not be empty. */
  get top(): T {
    return this.items[0]!;
  }

  push(item: T): void {
    const items = this.items;
    let i = items.push(item) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(items[i]!, items[parent]!)) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }

  /** Removes the top item. */
  pop(): void {
    const last = this.items.pop()!;
    if (this.items.length > 0) {
      this.items[0] = last;
      this.siftDown(0);
    }
  }

  /** Replaces the top item. */
  replaceTop(item: T): void {
    this.items[0] = item;
    this.siftDown(0);
  }

  /** Restores order after the top item changed in place. */
  siftTop(): void {
    this.siftDown(0);
  }

  private siftDown(i: number): void {
    const items = this.items;
    const n = items.length;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) return;
      const right = left + 1;
      const child = right < n && this.before(items[right]!, items[left]!) ? right : left;
      if (!this.before(items[child]!, items[i]!)) return;
      [items[i], items[child]] = [items[child]!, items[i]!];
      i = child;
    }
  }
}
