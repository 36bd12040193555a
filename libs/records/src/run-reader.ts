import { truncated, type ByteReader } from './byte-reader.js';
import { openRun } from './run-format.js';
import type { ValueCodec } from './value-codec.js';

/**
 * What both run cursors share: the header checked by `openRun`, the record count, the current
 * value, and the reader positioned at the next record.
 */
abstract class RunCursorBase<V> {
  /** Records in the run, from its header. */
  readonly count: number;
  /** Value of the current record (valid after `next()` returned true). */
  value!: V;
  protected readonly input: ByteReader;
  protected readonly codec: ValueCodec<V>;
  protected remaining: number;

  /**
   * @param run a buffer produced by `RunWriter.finish()`.
   * @param codec the codec the run was written with.
   * @throws RangeError when `run` is not a run or uses another codec.
   */
  constructor(run: Uint8Array, codec: ValueCodec<V>) {
    const { count, reader, codec: stored } = openRun(run, codec as ValueCodec<unknown>);
    this.codec = stored as ValueCodec<V>;
    this.count = count;
    this.remaining = count;
    this.input = reader;
  }
}

/**
 * A cursor over one run that reuses itself instead of allocating a tuple per record:
 * `while (reader.next()) use(reader.key, reader.value)`. The merge and the reduce task use it;
 * {@link readRun} wraps it as a generator.
 */
export class RunReader<V> extends RunCursorBase<V> {
  /** Key of the current record (valid after `next()` returned true). */
  key = '';

  /** Advances to the next record; false at the end. Throws RangeError when the run is truncated. */
  next(): boolean {
    if (this.remaining === 0) return false;
    this.remaining--;
    this.key = this.input.string();
    this.value = this.codec.read(this.input);
    return true;
  }
}

/**
 * A cursor like {@link RunReader} that leaves each key as its UTF-8 bytes in the run
 * (`run[keyStart, keyEnd)`) instead of decoding it: the byte-level merge compares and copies keys
 * without making a JS string per record. Values are decoded.
 */
export class RawRunReader<V> extends RunCursorBase<V> {
  /** Start of the current record's key bytes in `run` (valid after `next()` returned true). */
  keyStart = 0;
  /** End (exclusive) of the current record's key bytes in `run`. */
  keyEnd = 0;

  /**
   * @param run a buffer produced by `RunWriter.finish()`.
   * @param codec the codec the run was written with.
   * @throws RangeError when `run` is not a run or uses another codec.
   */
  constructor(
    readonly run: Uint8Array,
    codec: ValueCodec<V>,
  ) {
    super(run, codec);
  }

  /** Advances to the next record; false at the end. Throws RangeError when the run is truncated. */
  next(): boolean {
    if (this.remaining === 0) return false;
    this.remaining--;
    const input = this.input;
    const length = input.varint();
    const start = input.pos;
    const end = start + length;
    if (end > this.run.length) throw truncated();
    input.pos = end;
    this.keyStart = start;
    this.keyEnd = end;
    this.value = this.codec.read(input);
    return true;
  }
}

/**
 * Yields every record of a run in stored (key) order.
 * @throws RangeError when `run` is not a run, uses another codec, or is truncated.
 */
export function* readRun<V>(run: Uint8Array, codec: ValueCodec<V>): Generator<[key: string, value: V]> {
  const reader = new RunReader(run, codec);
  while (reader.next()) yield [reader.key, reader.value];
}
