import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { ByteReader } from './byte-reader.js';
import { ByteWriter } from './byte-writer.js';
import { appendRecord, openRun, RUN_HEADER_BYTES, writeRunHeader } from './run-format.js';
import type { ValueCodec } from './value-codec.js';

/** Default read window of a {@link RunFileReader} and flush size of a {@link RunFileWriter}: 64 KiB. */
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

/**
 * Writes one run straight to a file, flushing every `flushBytes`, so a run of any size costs about
 * that much memory; the file's bytes equal what `RunWriter` would return for the same records.
 * Records in non-decreasing key order, as `RunWriter`. Synchronous: meant for a worker thread.
 */
export class RunFileWriter<V> {
  private readonly out: ByteWriter;
  private fd: number | undefined;
  private lastKey: string | undefined;
  private records = 0;
  private written = 0;
  private peak = 0;

  constructor(
    readonly path: string,
    private readonly codec: ValueCodec<V>,
    private readonly flushBytes = RUN_FILE_BUFFER_BYTES,
  ) {
    this.fd = openSync(path, 'w');
    this.out = new ByteWriter(flushBytes + 1024);
    writeRunHeader(this.out, codec as ValueCodec<unknown>);
  }

  /** Records added so far. */
  get count(): number {
    return this.records;
  }

  /** Bytes written so far (the file's size once finished). */
  get bytes(): number {
    return this.written + this.out.length;
  }

  /** Largest buffer this writer held. */
  get peakBufferBytes(): number {
    return Math.max(this.peak, this.out.bytes.byteLength);
  }

  /** Appends a record; throws as `RunWriter.add`. */
  add(key: string, value: V): void {
    if (this.fd === undefined) throw new RangeError('RunFileWriter.add called after finish()');
    appendRecord(this.out, this.codec, this.lastKey, key, value);
    this.lastKey = key;
    this.records++;
    if (this.out.length >= this.flushBytes) this.flush();
  }

  /** Seals the run (writes the record count into the header) and closes the file; returns its size. */
  finish(): number {
    if (this.fd === undefined) throw new RangeError('RunFileWriter.finish called twice');
    if (this.records > 0xffffffff) throw new RangeError(`a run holds at most 4294967295 records, got ${this.records}`);
    if (this.written === 0) this.out.u32At(5, this.records);
    this.flush();
    if (this.written > 0) {
      const count = new Uint8Array(4);
      new DataView(count.buffer).setUint32(0, this.records, true);
      writeSync(this.fd, count, 0, 4, 5);
    }
    closeSync(this.fd);
    this.fd = undefined;
    return this.written;
  }

  /** Closes the file without sealing it (after a failure). */
  abort(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }

  private flush(): void {
    this.peak = Math.max(this.peak, this.out.bytes.byteLength);
    let off = 0;
    while (off < this.out.length) off += writeSync(this.fd!, this.out.bytes, off, this.out.length - off, this.written + off);
    this.written += this.out.length;
    this.out.length = 0;
  }
}
