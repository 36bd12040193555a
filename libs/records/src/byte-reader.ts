/**
 * A cursor over a byte buffer, the read side of {@link ByteWriter}. Short ASCII strings are decoded
 * by hand because a decoder call has a fixed cost that dominates for word-sized keys; longer ones
 * through a Buffer view of the same memory (see {@link ByteReader.string}).
 * @internal
 */
export class ByteReader {
  /** Current read offset in bytes. */
  pos: number;
  private view: Buffer | undefined;

  /**
   * @param bytes the buffer to read.
   * @param pos first offset to read (default 0).
   */
  constructor(
    readonly bytes: Uint8Array,
    pos = 0,
  ) {
    this.pos = pos;
  }

  /** Reads one byte. Throws RangeError past the end. */
  byte(): number {
    if (this.pos >= this.bytes.length) throw truncated();
    return this.bytes[this.pos++]!;
  }

  /** Reads an unsigned LEB128 varint (up to 2^53 - 1). Throws RangeError when truncated. */
  varint(): number {
    const bytes = this.bytes;
    let pos = this.pos;
    if (pos >= bytes.length) throw truncated();
    let b = bytes[pos++]!;
    if (b < 0x80) {
      this.pos = pos;
      return b;
    }
    let value = b & 0x7f;
    let scale = 0x80;
    do {
      if (pos >= bytes.length) throw truncated();
      b = bytes[pos++]!;
      value += (b & 0x7f) * scale;
      scale *= 0x80;
    } while (b >= 0x80);
    this.pos = pos;
    return value;
  }

  /** Returns the next `length` bytes as a view (no copy). Throws RangeError when truncated. */
  raw(length: number): Uint8Array {
    const end = this.pos + length;
    if (end > this.bytes.length) throw truncated();
    const view = this.bytes.subarray(this.pos, end);
    this.pos = end;
    return view;
  }

  /** Reads a string written by `ByteWriter.string` (varint byte length + UTF-8). */
  string(): string {
    const length = this.varint();
    const start = this.pos;
    const end = start + length;
    const bytes = this.bytes;
    if (end > bytes.length) throw truncated();
    this.pos = end;
    if (length <= 24) return decodeUtf8(bytes, start, end);
    // Buffer#toString decodes like TextDecoder with ignoreBOM (U+FEFF kept, U+FFFD for invalid
    // bytes) at about 0.65x the cost per call: no subarray and no TextDecoder argument checks.
    // Its own argument handling then costs about as much again as the decoding for line-sized
    // values (a reduce decodes one per record), so the checked bounds go straight to the
    // `utf8Slice` it calls (the same decoding), where Node has it.
    const view = (this.view ??= Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)) as Utf8SliceBuffer;
    return hasUtf8Slice ? view.utf8Slice(start, end) : view.toString('utf8', start, end);
  }

  /** Reads a u32 little-endian. */
  u32(): number {
    const bytes = this.bytes;
    const p = this.pos;
    if (p + 4 > bytes.length) throw truncated();
    this.pos = p + 4;
    return (bytes[p]! | (bytes[p + 1]! << 8) | (bytes[p + 2]! << 16) | (bytes[p + 3]! << 24)) >>> 0;
  }
}

/** Node's Buffer has the `utf8Slice(start, end)` that `toString('utf8', start, end)` calls after checking its arguments (not in its typings). */
interface Utf8SliceBuffer extends Buffer {
  utf8Slice(start: number, end: number): string;
}
const hasUtf8Slice = typeof (Buffer.prototype as Partial<Utf8SliceBuffer>).utf8Slice === 'function';

// ignoreBOM: a key starting with U+FEFF (a word at the start of a file with a BOM) must read back
// as written, or readers see it out of order.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * Decodes `bytes[start, end)` as UTF-8 (invalid sequences become U+FFFD, a leading U+FEFF is kept).
 * Short ASCII strings are decoded by hand: `TextDecoder.decode` has a fixed cost per call that
 * dominates for word-sized keys.
 */
export function decodeUtf8(bytes: Uint8Array, start: number, end: number): string {
  if (end - start <= 24) {
    let text = '';
    for (let i = start; i < end; i++) {
      const c = bytes[i]!;
      if (c >= 0x80) return decoder.decode(bytes.subarray(start, end));
      text += String.fromCharCode(c);
    }
    return text;
  }
  return decoder.decode(bytes.subarray(start, end));
}

const TRUNCATED = 'run is truncated: a record runs past the end of the buffer';

/** The RangeError of a record that runs past the end of its buffer. @internal */
export function truncated(): RangeError {
  return new RangeError(TRUNCATED);
}

/** Whether `error` is the RangeError of {@link truncated}. @internal */
export function isTruncated(error: unknown): boolean {
  return error instanceof RangeError && error.message === TRUNCATED;
}
