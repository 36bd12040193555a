import { decodeUtf8 } from './byte-reader.js';
import { RunBuilder } from './run-format.js';

/**
 * Builds a run from keys given as UTF-8 bytes (e.g. `KeyGroupMerge`'s, copied from the runs it
 * merges) instead of strings, so merged output is written without encoding every key again. The
 * bytes equal what `RunWriter` writes for the decoded keys. The caller adds keys in run order
 * (a merge's output is): unlike `RunWriter`, the order is not checked.
 */
export class RawRunWriter<V> extends RunBuilder<V> {
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
}
