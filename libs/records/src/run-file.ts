import { closeSync, openSync, readSync } from 'node:fs';
import { ByteReader } from './byte-reader.js';
import { openRun, RUN_HEADER_BYTES } from './run-format.js';
import type { ValueCodec } from './value-codec.js';

/** Default read window of a {@link RunFileReader} and flush size of a `ResultFileWriter`: 64 KiB. */
export const RUN_FILE_BUFFER_BYTES = 64 * 1024;

/**
 * A cursor over a run stored in a file (written whole, e.g. a reducer's spill), read incrementally
 * through one window of `bufferBytes` (grown only for a single record larger than it), so a run
 * of any size costs about one window of memory. Same interface as `RunReader`:
 * `while (reader.next()) use(reader.key, reader.value)`. Synchronous: meant for a worker thread.
 * Call {@link RunFileReader.close} (or read to the end, which closes the file).
 */
export class RunFileReader<V> {
  /** Records in the run, from its header. */
  readonly count: number;
  key = '';
  value!: V;
  private fd: number | undefined;
  private buffer: Uint8Array;
  private filled = 0;
  private eof = false;
  private input: ByteReader;
  private remaining: number;
  private readonly codec: ValueCodec<V>;

  /**
   * @throws RangeError when the file is not a run or uses another codec; fs errors when unreadable.
   */
  constructor(
    readonly path: string,
    codec: ValueCodec<V>,
    bufferBytes = RUN_FILE_BUFFER_BYTES,
  ) {
    this.fd = openSync(path, 'r');
    this.buffer = new Uint8Array(Math.max(RUN_HEADER_BYTES, bufferBytes));
    this.fill();
    const { count, reader, codec: stored } = openRun(this.buffer.subarray(0, this.filled), codec as ValueCodec<unknown>);
    this.codec = stored as ValueCodec<V>;
    this.count = count;
    this.remaining = count;
    this.input = reader;
  }

  /** Bytes this cursor holds in memory (its read window). */
  get bufferBytes(): number {
    return this.buffer.byteLength;
  }

  /** Advances to the next record; false at the end. Throws RangeError when the run is truncated. */
  next(): boolean {
    if (this.remaining === 0) {
      this.close();
      return false;
    }
    for (;;) {
      const start = this.input.pos;
      try {
        this.key = this.input.string();
        this.value = this.codec.read(this.input);
        break;
      } catch (error) {
        // A record cut by the window's end: slide the window and read on (grow it if one record fills it).
        if (!(error instanceof RangeError) || this.eof) throw error;
        this.slide(start);
      }
    }
    this.remaining--;
    return true;
  }

  /** Closes the file (idempotent). */
  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }

  private slide(start: number): void {
    const rest = this.filled - start;
    if (rest >= this.buffer.byteLength / 2) {
      const grown = new Uint8Array(this.buffer.byteLength * 2);
      grown.set(this.buffer.subarray(start, this.filled));
      this.buffer = grown;
    } else {
      this.buffer.copyWithin(0, start, this.filled);
    }
    this.filled = rest;
    this.fill();
    this.input = new ByteReader(this.buffer.subarray(0, this.filled), 0);
  }

  private fill(): void {
    while (this.filled < this.buffer.byteLength && !this.eof) {
      const n = readSync(this.fd!, this.buffer, this.filled, this.buffer.byteLength - this.filled, null);
      if (n === 0) this.eof = true;
      this.filled += n;
    }
  }
}
