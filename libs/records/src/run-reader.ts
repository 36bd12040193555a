import { ByteReader, isTruncated, truncated } from './byte-reader.js';
import { concatBytes } from './concat-bytes.js';
import { joinRun, openRun, splitRunHead, type Run } from './run-format.js';
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
  protected input: ByteReader;
  protected readonly codec: ValueCodec<V>;
  protected remaining: number;

  /**
   * @param head a buffer that starts with the run's header: the whole run, or its first bytes.
   * @param codec the codec the run was written with.
   * @throws RangeError when `head` does not start a run or the run uses another codec.
   */
  constructor(head: Uint8Array, codec: ValueCodec<V>) {
    const { count, reader, codec: stored } = openRun(head, codec as ValueCodec<unknown>);
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

  /**
   * @param run a buffer produced by `RunWriter.finish()` (pieces of one are copied into one buffer first).
   * @param codec the codec the run was written with.
   * @throws RangeError when `run` is not a run or uses another codec.
   */
  constructor(run: Run, codec: ValueCodec<V>) {
    super(joinRun(run), codec);
  }

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
 * without making a JS string per record. Values are decoded. The run may be given as its pieces
 * (see {@link Run}): records are read in place from each piece, and the few that span two pieces
 * from a small copy of their own bytes, so `run` is the buffer that holds the current record.
 */
export class RawRunReader<V> extends RunCursorBase<V> {
  /** The buffer holding the current record's key (a piece of the run, or a copy of a record that spans pieces). */
  run: Uint8Array;
  /** Start of the current record's key bytes in `run` (valid after `next()` returned true). */
  keyStart = 0;
  /** End (exclusive) of the current record's key bytes in `run`. */
  keyEnd = 0;
  /** The pieces after the first ([] for a run in one buffer). */
  private readonly pieces: readonly Uint8Array[];
  /** Index in `pieces` of the next piece to read once `input` is used up. */
  private nextPiece = 0;

  /**
   * @param run a buffer produced by `RunWriter.finish()`, or its bytes in consecutive pieces.
   * @param codec the codec the run was written with.
   * @throws RangeError when `run` is not a run or uses another codec.
   */
  constructor(run: Run, codec: ValueCodec<V>) {
    const { head, rest } = splitRunHead(run);
    super(head, codec);
    this.run = head;
    this.pieces = rest;
  }

  /** Advances to the next record; false at the end. Throws RangeError when the run is truncated. */
  next(): boolean {
    if (this.remaining === 0) return false;
    this.remaining--;
    let input = this.input;
    if (input.pos === input.bytes.length && this.nextPiece < this.pieces.length) input = this.advance();
    const mark = input.pos;
    try {
      this.read(input);
    } catch (error) {
      if (this.nextPiece >= this.pieces.length || !isTruncated(error)) throw error;
      input.pos = mark;
      this.readSpanning(input);
    }
    return true;
  }

  /** Reads one record from `input` (throws the truncated RangeError when it runs past its end). */
  private read(input: ByteReader): void {
    const length = input.varint();
    const start = input.pos;
    const end = start + length;
    const bytes = input.bytes;
    if (end > bytes.length) throw truncated();
    input.pos = end;
    this.value = this.codec.read(input);
    this.run = bytes;
    this.keyStart = start;
    this.keyEnd = end;
  }

  /** Moves `input` to the start of the next non-empty piece (or the last piece). */
  private advance(): ByteReader {
    let piece = this.pieces[this.nextPiece++]!;
    while (piece.byteLength === 0 && this.nextPiece < this.pieces.length) piece = this.pieces[this.nextPiece++]!;
    return (this.input = new ByteReader(piece, 0));
  }

  /**
   * Reads the record that starts at `input.pos` and runs into the next pieces: its bytes are copied
   * into a buffer of their own (first a little past the piece's end, then more while the record is
   * longer), it is read from there, and the cursor goes on in the piece where it ends.
   */
  private readSpanning(input: ByteReader): void {
    const tail = input.bytes.subarray(input.pos);
    for (let extra = 256; ; extra *= 4) {
      const { bytes, complete } = this.gather(tail, extra);
      const reader = new ByteReader(bytes, 0);
      try {
        this.read(reader);
      } catch (error) {
        if (complete || !isTruncated(error)) throw error;
        continue;
      }
      // Skip the record's bytes past the tail in the pieces that follow.
      let skip = reader.pos - tail.byteLength;
      for (;;) {
        const next = this.advance();
        if (skip <= next.bytes.byteLength) {
          next.pos = skip;
          return;
        }
        skip -= next.bytes.byteLength;
      }
    }
  }

  /** `tail` and up to `extra` bytes of the pieces after the current one, in one new buffer; complete: no bytes were left out. */
  private gather(tail: Uint8Array, extra: number): { bytes: Uint8Array; complete: boolean } {
    const parts: Uint8Array[] = [tail];
    let wanted = extra;
    for (let i = this.nextPiece; i < this.pieces.length && wanted > 0; i++) {
      const piece = this.pieces[i]!;
      const take = Math.min(wanted, piece.byteLength);
      parts.push(piece.subarray(0, take));
      wanted -= take;
    }
    return { bytes: concatBytes(parts), complete: wanted > 0 };
  }
}

/**
 * Yields every record of a run in stored (key) order.
 * @throws RangeError when `run` is not a run, uses another codec, or is truncated.
 */
export function* readRun<V>(run: Run, codec: ValueCodec<V>): Generator<[key: string, value: V]> {
  const reader = new RunReader(run, codec);
  while (reader.next()) yield [reader.key, reader.value];
}
