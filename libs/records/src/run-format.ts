import { ByteReader } from './byte-reader.js';
import { ByteWriter } from './byte-writer.js';
import { concatBytes } from './concat-bytes.js';
import { codecForHeader, codecNameOfId } from './codecs.js';
import type { ValueCodec } from './value-codec.js';

/**
 * A run in memory: one buffer, or the consecutive pieces it arrived in (a reducer's fetch keeps the
 * network's messages as they are instead of copying them into one buffer). The pieces are the run's
 * bytes in order, cut anywhere (a record may span pieces).
 */
export type Run = Uint8Array | readonly Uint8Array[];

/** The bytes of a run (one buffer or its pieces). */
export function runByteLength(run: Run): number {
  if (run instanceof Uint8Array) return run.byteLength;
  let total = 0;
  for (const piece of run) total += piece.byteLength;
  return total;
}

/** A run as one buffer: `run` itself, its only piece, or its pieces copied into one new buffer. */
export function joinRun(run: Run): Uint8Array {
  if (run instanceof Uint8Array) return run;
  if (run.length === 1) return run[0]!;
  return concatBytes(run);
}

/**
 * A run split for reading: a first buffer that holds the whole header (`run` itself, its first
 * non-empty piece, or the leading pieces joined when that one is shorter than the header) and the
 * pieces after it. @internal
 */
export function splitRunHead(run: Run): { head: Uint8Array; rest: readonly Uint8Array[] } {
  if (run instanceof Uint8Array) return { head: run, rest: [] };
  let first = 0;
  while (first < run.length - 1 && run[first]!.byteLength === 0) first++;
  let end = first;
  let bytes = 0;
  while (end < run.length && (end === first || bytes < RUN_HEADER_BYTES)) bytes += run[end++]!.byteLength;
  return { head: end - first === 1 ? run[first]! : joinRun(run.slice(first, end)), rest: run.slice(end) };
}

/** The 4 bytes every run starts with: ASCII `WFR1`. @internal */
export const RUN_MAGIC = [0x57, 0x46, 0x52, 0x31] as const;
/** Header size in bytes: magic, codec id, u32 LE record count. @internal */
export const RUN_HEADER_BYTES = 9;

/** Writes a run header with a zero record count (sealed later at offset 5). @internal */
export function writeRunHeader(out: ByteWriter, codec: ValueCodec<unknown>): void {
  out.raw(Uint8Array.from(RUN_MAGIC));
  out.byte(codec.id);
  out.u32At(5, 0);
  out.length = RUN_HEADER_BYTES;
}

/**
 * Appends one record to `out` after checking run order against `lastKey`. Throws RangeError when
 * `key` sorts before `lastKey` (an unsorted run would silently break the merge) and rethrows the
 * codec's error after rolling `out` back, so the run stays well-formed if the caller carries on.
 * @internal
 */
export function appendRecord<V>(out: ByteWriter, codec: ValueCodec<V>, lastKey: string | undefined, key: string, value: V): void {
  if (lastKey !== undefined && key < lastKey) {
    throw new RangeError(`run keys must be added in non-decreasing order: ${JSON.stringify(key)} after ${JSON.stringify(lastKey)}`);
  }
  const mark = out.length;
  out.string(key);
  try {
    codec.write(out, value, key);
  } catch (error) {
    out.length = mark;
    throw error;
  }
}

/**
 * Checks a run's header and returns its record count, a reader positioned at the first record and
 * the codec to read its values with (`codec`, or an older form of it the header names). Throws
 * RangeError when the buffer is not a run or was written with a different codec than `codec`
 * (reading it anyway would silently produce garbage). For readers that take records' bytes as
 * they are (the coordinator's results commit copies key bytes without decoding them).
 */
export function openRun(run: Uint8Array, codec?: ValueCodec<unknown>): { count: number; reader: ByteReader; codec: ValueCodec<unknown> | undefined } {
  if (run.length < RUN_HEADER_BYTES || RUN_MAGIC.some((b, i) => run[i] !== b)) {
    throw new RangeError(`not a Weft run: expected magic WFR1 and a ${RUN_HEADER_BYTES}-byte header`);
  }
  const id = run[4]!;
  const valuesCodec = codec ? codecForHeader(id, codec) : undefined;
  if (codec && !valuesCodec) {
    const stored = codecNameOfId(id) ?? `unknown codec id ${id}`;
    throw new RangeError(`run was written with the ${stored} codec, cannot read it as ${codec.name}`);
  }
  const reader = new ByteReader(run, 5);
  const count = reader.u32();
  return { count, reader, codec: valuesCodec };
}

/** The number of records in a run (one buffer or its pieces), read from its header. Throws RangeError when `run` is not a run. */
export function runRecordCount(run: Run): number {
  return openRun(splitRunHead(run).head).count;
}

/**
 * What both run writers share (`RunWriter` takes keys as strings, `RawRunWriter` as UTF-8 bytes):
 * the buffer with its header, the record count, and sealing the run.
 */
export abstract class RunBuilder<V> {
  protected readonly out: ByteWriter;
  protected records = 0;
  protected finished = false;

  /**
   * @param codec encodes the values.
   * @param initialCapacity first buffer allocation in bytes (default 64 KiB); grows by doubling.
   */
  constructor(
    protected readonly codec: ValueCodec<V>,
    initialCapacity = 64 * 1024,
  ) {
    this.out = new ByteWriter(initialCapacity);
    writeRunHeader(this.out, codec as ValueCodec<unknown>);
  }

  /** Records added so far. */
  get count(): number {
    return this.records;
  }

  /**
   * Seals the run and returns it as a buffer that owns its whole ArrayBuffer (offset 0, exact
   * length), so it can be transferred to another thread without dragging spare capacity along.
   * Throws RangeError past 2^32 - 1 records. The writer cannot be used afterwards.
   */
  finish(): Uint8Array {
    if (this.finished) throw new RangeError(`${this.constructor.name}.finish called twice`);
    if (this.records > 0xffffffff) throw new RangeError(`a run holds at most 4294967295 records, got ${this.records}`);
    this.finished = true;
    this.out.u32At(5, this.records);
    return this.out.bytes.slice(0, this.out.length);
  }
}
