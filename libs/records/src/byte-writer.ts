/**
 * A growable little-endian byte buffer that the run writer and the value codecs append to.
 * Strings are encoded by hand for ASCII (the common case for keys) because `TextEncoder.encodeInto`
 * needs a fresh `subarray` per call, an allocation per record on the hot path.
 * @internal
 */
export class ByteWriter {
  /** Backing store; only `[0, length)` is meaningful. */
  bytes: Uint8Array;
  /** Number of bytes written so far. */
  length = 0;
  private static readonly encoder = new TextEncoder();

  /** @param initialCapacity first allocation in bytes (default 64 KiB); the buffer doubles as needed. */
  constructor(initialCapacity = 64 * 1024) {
    this.bytes = new Uint8Array(Math.max(16, initialCapacity));
  }

  /** Makes room for `extra` more bytes. */
  ensure(extra: number): void {
    const needed = this.length + extra;
    if (needed <= this.bytes.length) return;
    let capacity = this.bytes.length * 2;
    while (capacity < needed) capacity *= 2;
    const next = new Uint8Array(capacity);
    next.set(this.bytes.subarray(0, this.length));
    this.bytes = next;
  }

  /** Appends one byte (0..255). */
  byte(value: number): void {
    this.ensure(1);
    this.bytes[this.length++] = value;
  }

  /** Appends a non-negative integer (up to 2^53 - 1) as an unsigned LEB128 varint. */
  varint(value: number): void {
    this.ensure(8);
    this.length = putVarint(this.bytes, this.length, value);
  }

  /** Appends raw bytes. */
  raw(chunk: Uint8Array): void {
    this.ensure(chunk.length);
    this.bytes.set(chunk, this.length);
    this.length += chunk.length;
  }

  /** Appends `text` as a varint byte length followed by its UTF-8 bytes. */
  string(text: string): void {
    const n = text.length;
    // UTF-8 needs at most 3 bytes per UTF-16 code unit (a surrogate pair: 4 bytes for 2 units).
    this.ensure(n * 3 + 8);
    const bytes = this.bytes;
    const start = this.length;
    // Guess a one-byte length prefix (true for strings under 43 code units), fix it up after.
    const guessPrefix = n * 3 < 0x80 ? 1 : varintSize(n * 3);
    const pos = start + guessPrefix;
    let i = 0;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) break;
      bytes[pos + i] = c;
    }
    let byteLength = i;
    if (i < n) {
      const { written } = ByteWriter.encoder.encodeInto(text.slice(i), bytes.subarray(pos + i));
      byteLength += written;
    }
    const prefix = varintSize(byteLength);
    if (prefix !== guessPrefix) bytes.copyWithin(start + prefix, pos, pos + byteLength);
    this.length = start;
    this.varint(byteLength);
    this.length = start + prefix + byteLength;
  }

  /** Writes a u32 little-endian at an absolute offset (used to patch the header's record count). */
  u32At(offset: number, value: number): void {
    const bytes = this.bytes;
    bytes[offset] = value & 0xff;
    bytes[offset + 1] = (value >>> 8) & 0xff;
    bytes[offset + 2] = (value >>> 16) & 0xff;
    bytes[offset + 3] = (value >>> 24) & 0xff;
  }
}

/** Bytes an unsigned LEB128 varint of `value` (a non-negative integer up to 2^53 - 1) takes. */
export function varintSize(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  let size = 5;
  value = Math.floor(value / 0x800000000);
  while (value >= 1) {
    value = Math.floor(value / 0x80);
    size++;
  }
  return size;
}

/**
 * Writes the unsigned LEB128 varint of `value` (a non-negative integer up to 2^53 - 1) into
 * `bytes` at `pos`, which must have room for it; returns the position after it. Bit shifts below
 * 2^31, division above (shifts truncate to 32 bits).
 */
export function putVarint(bytes: Uint8Array, pos: number, value: number): number {
  if (value < 0x80000000) {
    while (value >= 0x80) {
      bytes[pos++] = (value & 0x7f) | 0x80;
      value >>>= 7;
    }
  } else {
    while (value >= 0x80) {
      bytes[pos++] = (value % 0x80) | 0x80;
      value = Math.floor(value / 0x80);
    }
  }
  bytes[pos++] = value;
  return pos;
}
