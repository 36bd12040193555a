import { decodeUtf8 } from './byte-reader.js';
import { ByteWriter } from './byte-writer.js';
import { writeRunHeader } from './run-format.js';
import type { ValueCodec } from './value-codec.js';

/**
 * Builds a run from keys given as UTF-8 bytes (e.g. `KeyGroupMerge`'s, copied from the runs it
 * merges) instead of strings, so merged output is written without encoding every key again. The
 * bytes equal what `RunWriter` writes for the decoded keys. The caller adds keys in run order
 * (a merge's output is): unlike `RunWriter`, the order is not checked.
 */
export class RawRunWriter<V> {
  private readonly out: ByteWriter;
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
   * Appends the record (`keyBytes[keyStart, keyEnd)`, `value`). Throws RangeError when the value
   * does not fit the codec (the codec's error, naming the decoded key; the run is left as it was)
   * or after `finish()`.
   */
  add(keyBytes: Uint8Array, keyStart: number, keyEnd: number, value: V): void {
    if (this.finished) throw new RangeError('RawRunWriter.add called after finish()');
    const out = this.out;
    const mark = out.length;
    const length = keyEnd - keyStart;
    out.varint(length);
    out.ensure(length);
    const bytes = out.bytes;
    let pos = out.length;
    // A loop beats subarray + set (an allocation per record) for word-sized keys.
    if (length <= 32) for (let i = keyStart; i < keyEnd; i++) bytes[pos++] = keyBytes[i]!;
    else {
      bytes.set(keyBytes.subarray(keyStart, keyEnd), pos);
      pos += length;
    }
    out.length = pos;
    try {
      // Codecs take the key only to name it in errors, so it is decoded only on a failure: the
      // value is written again with it, which throws the codec's error naming the key.
      try {
        this.codec.write(out, value, '');
      } catch {
        out.length = pos;
        this.codec.write(out, value, decodeUtf8(keyBytes, keyStart, keyEnd));
      }
    } catch (error) {
      out.length = mark;
      throw error;
    }
    this.records++;
  }

  /**
   * Seals the run and returns it as a buffer that owns its whole ArrayBuffer (offset 0, exact
   * length), like `RunWriter.finish`. Throws RangeError past 2^32 - 1 records. The writer cannot
   * be used afterwards.
   */
  finish(): Uint8Array {
    if (this.finished) throw new RangeError('RawRunWriter.finish called twice');
    if (this.records > 0xffffffff) throw new RangeError(`a run holds at most 4294967295 records, got ${this.records}`);
    this.finished = true;
    this.out.u32At(5, this.records);
    return this.out.bytes.slice(0, this.out.length);
  }
}
