import { ByteWriter } from './byte-writer.js';
import { appendRecord, writeRunHeader } from './run-format.js';
import type { ValueCodec } from './value-codec.js';

/**
 * Builds one run: records appended in non-decreasing key order (JS string order, UTF-16 code units),
 * then {@link RunWriter.finish} returns the encoded buffer. Equal keys may repeat (a map task without
 * a combiner emits them); the merge groups them.
 */
export class RunWriter<V> {
  private readonly out: ByteWriter;
  private lastKey: string | undefined;
  private records = 0;
  private finished = false;

  /**
   * @param codec encodes the values.
   * @param initialCapacity first buffer allocation in bytes (default 64 KiB); grows by doubling.
   */
  constructor(
    private readonly codec: ValueCodec<V>,
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
   * Appends a record. Throws RangeError when `key` sorts before the previous key (an unsorted run
   * would silently break the merge), when the value does not fit the codec, or after `finish()`.
   */
  add(key: string, value: V): void {
    if (this.finished) throw new RangeError('RunWriter.add called after finish()');
    appendRecord(this.out, this.codec, this.lastKey, key, value);
    this.lastKey = key;
    this.records++;
  }

  /**
   * Seals the run and returns it as a buffer that owns its whole ArrayBuffer (offset 0, exact
   * length), so it can be transferred to another thread without dragging spare capacity along.
   * Throws RangeError past 2^32 - 1 records. The writer cannot be used afterwards.
   */
  finish(): Uint8Array {
    if (this.finished) throw new RangeError('RunWriter.finish called twice');
    if (this.records > 0xffffffff) throw new RangeError(`a run holds at most 4294967295 records, got ${this.records}`);
    this.finished = true;
    this.out.u32At(5, this.records);
    return this.out.bytes.slice(0, this.out.length);
  }
}
