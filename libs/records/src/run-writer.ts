import { appendRecord, RunBuilder } from './run-format.js';

/**
 * Builds one run: records appended in non-decreasing key order (JS string order, UTF-16 code units),
 * then {@link RunWriter.finish} returns the encoded buffer. Equal keys may repeat (a map task without
 * a combiner emits them); the merge groups them.
 */
export class RunWriter<V> extends RunBuilder<V> {
  private lastKey: string | undefined;

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

}
