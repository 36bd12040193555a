import type { ByteReader } from './byte-reader.js';
import type { ByteWriter } from './byte-writer.js';

/** Names of the value encodings a run can use; a job declares one for its map and one for its reduce output. */
export type ValueCodecName = 'int' | 'bigint' | 'json';

/**
 * How values of type `V` are stored in a run. Codecs are stateless singletons ({@link intCodec},
 * {@link bigintCodec}, {@link jsonCodec}); look one up with {@link codecByName}.
 */
export interface ValueCodec<V> {
  /** The codec's name, as jobs declare it. */
  readonly name: ValueCodecName;
  /** The byte stored in a run's header so a reader can refuse a run written with another codec. */
  readonly id: number;
  /**
   * Appends `value` to `out`. Throws RangeError naming `key` when the value cannot be encoded
   * (e.g. a non-integer for `int`).
   */
  write(out: ByteWriter, value: V, key: string): void;
  /** Reads one value from `input`. Throws RangeError when the buffer is truncated or malformed. */
  read(input: ByteReader): V;
}
