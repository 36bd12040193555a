import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { ByteWriter, putVarint, varintSize } from './byte-writer.js';
import { decodeUtf8 } from './byte-reader.js';
import { RUN_FILE_BUFFER_BYTES } from './run-file.js';
import type { ValueCodec, ValueCodecName } from './value-codec.js';

/**
 * Result records: what a reduce task writes, the coordinator stores in chunks and ReadResults
 * serves (ReadResultsResponse.delimited_records in job.proto). Size-delimited `weft.v1.Record`
 * messages: a varint byte length, then the Record (field 1 `key`, omitted when empty; field 2
 * `value`, a `weft.v1.Value` holding `int` as a zigzag varint or `json` as UTF-8 text), sorted by
 * key in UTF-8 byte order, each key once. Everything that reads them works on byte offsets:
 * ordering, checking and paging never decode a key into a string.
 */

/** Tag of Record field 1 (`key`, length-delimited). */
export const KEY_TAG = 0x0a;
/** Tag of Record field 2 (`value`, a length-delimited Value). */
export const VALUE_TAG = 0x12;
/** Tag of Value field 1 (`int`, a zigzag varint). */
export const INT_TAG = 0x08;
/** Tag of Value field 2 (`json`, length-delimited UTF-8). */
export const JSON_TAG = 0x12;

/** A piece of a partition's result records, cut at record boundaries. */
export interface ResultChunk {
  /** Records in `data`. */
  readonly records: number;
  /** The records' bytes, exactly as ReadResultsResponse.delimited_records carries them. */
  readonly data: Uint8Array;
}

const maxInt64 = (1n << 63n) - 1n;
const minInt64 = -(1n << 63n);
/** Below this magnitude a zigzag integer stays below 2^53: number arithmetic is exact. */
const smallInt = 2 ** 52;
const encoder = new TextEncoder();

/**
 * Encodes result records into a buffer, checking as it goes that keys ascend in UTF-8 byte order
 * (reducers emit keys in UTF-16 order, which differs for keys with characters at or above U+E000
 * next to surrogate pairs). What {@link ResultWriter} and {@link ResultFileWriter} share.
 */
abstract class ResultEncoder {
  protected readonly out: ByteWriter;
  private records = 0;
  private sorted = true;
  private lastKeyStart = 0;
  private lastKeyEnd = -1;
  /** The last key when it is no longer in `out` (a {@link ResultFileWriter} flushed it). */
  private flushedKey: Uint8Array | undefined;

  /** @param initialCapacity first buffer allocation in bytes (default 64 KiB); grows by doubling. */
  constructor(initialCapacity = 1 << 16) {
    this.out = new ByteWriter(initialCapacity);
  }

  /** Records added so far. */
  get count(): number {
    return this.records;
  }

  /** Whether the keys added so far ascend strictly in UTF-8 byte order. */
  get inOrder(): boolean {
    return this.sorted;
  }

  /**
   * Appends a record whose key is the UTF-8 bytes `source[start, end)` and whose value is any JS
   * value: integers that fit int64 as `int`, bigints beyond it as a JSON string of their digits,
   * anything else as its JSON text (`null` when JSON has none).
   */
  add(source: Uint8Array, start: number, end: number, value: unknown): void {
    if (typeof value === 'number' && Number.isSafeInteger(value)) this.append(source, start, end, value, null);
    else if (typeof value === 'bigint') this.addBigint(source, start, end, value);
    else this.append(source, start, end, null, JSON.stringify(value) ?? 'null');
  }

  /**
   * Appends what a reducer returned under the job's `results` codec, by the codec's rules: the
   * value the codec would store and read back, written as {@link add} writes it (`int`: a safe
   * integer; `bigint`: a bigint; `json`: `JSON.parse(JSON.stringify(value))`).
   * @throws RangeError, the codec's own naming the decoded key, when the codec refuses the value;
   *   nothing is written then.
   */
  addResult(source: Uint8Array, start: number, end: number, value: unknown, codec: ValueCodec<unknown>): void {
    switch (codec.name) {
      case 'int':
        if (typeof value === 'number' && Number.isSafeInteger(value)) return this.append(source, start, end, value, null);
        break;
      case 'bigint':
        if (typeof value === 'bigint') return this.addBigint(source, start, end, value);
        break;
      case 'json': {
        if (typeof value === 'number' && Number.isSafeInteger(value)) return this.append(source, start, end, value, null);
        if (typeof value === 'string') return this.append(source, start, end, null, JSON.stringify(value));
        let text: string | undefined;
        try {
          text = JSON.stringify(value);
        } catch {
          break;
        }
        if (text === undefined) break;
        // A value whose JSON is a number (an object whose toJSON returns one, a boxed Number) reads
        // back from the json codec as that number: a safe integer is an `int`, as it was from a run.
        const c = text.charCodeAt(0);
        if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
          const n = Number(text);
          if (Number.isSafeInteger(n)) return this.append(source, start, end, n, null);
        }
        return this.append(source, start, end, null, text);
      }
    }
    // The codec's own error, naming the key.
    codec.write(new ByteWriter(16), value, decodeUtf8(source, start, end));
    throw new RangeError(`value of key ${JSON.stringify(decodeUtf8(source, start, end))} cannot be stored with the ${codec.name} codec`); // not reached
  }

  /**
   * Appends a record with an integer value (`int`), or a JSON one (`json`) when `int` is null.
   * Writes straight into the buffer (one `ensure` per record): a reduce task calls it per key.
   */
  append(source: Uint8Array, start: number, end: number, int: number | bigint | null, json: string | null): void {
    const keyLength = end - start;
    let zigzag = 0;
    let bigZigzag: bigint | undefined;
    let jsonBytes: Uint8Array | undefined;
    let valueLength: number;
    if (int !== null) {
      if (typeof int === 'number' && int < smallInt && int > -smallInt) {
        zigzag = int >= 0 ? int * 2 : -int * 2 - 1;
        valueLength = 1 + varintSize(zigzag);
      } else {
        bigZigzag = zigzag64(BigInt(int));
        valueLength = 1 + bigVarintSize(bigZigzag);
      }
    } else {
      jsonBytes = encoder.encode(json ?? 'null');
      valueLength = 1 + varintSize(jsonBytes.length) + jsonBytes.length;
    }
    const recordLength = (keyLength > 0 ? 1 + varintSize(keyLength) + keyLength : 0) + 1 + varintSize(valueLength) + valueLength;
    const out = this.out;
    out.ensure(recordLength + 10);
    const bytes = out.bytes;
    let pos = putVarint(bytes, out.length, recordLength);
    if (keyLength > 0) {
      bytes[pos++] = KEY_TAG;
      pos = putVarint(bytes, pos, keyLength);
    }
    const keyStart = pos;
    if (keyLength <= 32) for (let i = start; i < end; i++) bytes[pos++] = source[i]!;
    else {
      bytes.set(source.subarray(start, end), pos);
      pos += keyLength;
    }
    bytes[pos++] = VALUE_TAG;
    pos = putVarint(bytes, pos, valueLength);
    if (jsonBytes) {
      bytes[pos++] = JSON_TAG;
      pos = putVarint(bytes, pos, jsonBytes.length);
      bytes.set(jsonBytes, pos);
      pos += jsonBytes.length;
    } else {
      bytes[pos++] = INT_TAG;
      if (bigZigzag === undefined) pos = putVarint(bytes, pos, zigzag);
      else {
        out.length = pos;
        writeVarint64(out, bigZigzag);
        pos = out.length;
      }
    }
    out.length = pos;
    const keyEnd = keyStart + keyLength;
    if (this.sorted) {
      const last = this.flushedKey;
      if (last) {
        if (compareBytes(last, 0, last.length, bytes, keyStart, keyEnd) >= 0) this.sorted = false;
        this.flushedKey = undefined;
      } else if (this.lastKeyEnd >= 0) {
        // compareBytes inlined: this runs once per record.
        const lastStart = this.lastKeyStart;
        const lastLength = this.lastKeyEnd - lastStart;
        const common = lastLength < keyLength ? lastLength : keyLength;
        let order = lastLength - keyLength;
        for (let i = 0; i < common; i++) {
          const d = bytes[lastStart + i]! - bytes[keyStart + i]!;
          if (d !== 0) {
            order = d;
            break;
          }
        }
        if (order >= 0) this.sorted = false;
      }
    }
    this.lastKeyStart = keyStart;
    this.lastKeyEnd = keyEnd;
    this.records += 1;
  }

  /**
   * Hands the buffered bytes to `write` and empties the buffer, keeping a copy of the last key
   * for the order check (for writers that stream the records somewhere).
   */
  protected drain(write: (bytes: Uint8Array) => void): void {
    if (this.out.length === 0) return;
    if (this.sorted && this.lastKeyEnd >= 0) this.flushedKey = this.out.bytes.slice(this.lastKeyStart, this.lastKeyEnd);
    write(this.out.bytes.subarray(0, this.out.length));
    this.out.length = 0;
    this.lastKeyEnd = -1;
  }

  private addBigint(source: Uint8Array, start: number, end: number, value: bigint): void {
    if (value <= maxInt64 && value >= minInt64) this.append(source, start, end, value, null);
    else this.append(source, start, end, null, JSON.stringify(value.toString()));
  }
}

/**
 * Writes result records into one buffer; `finish` returns them sorted (sorting only when keys did
 * not arrive in UTF-8 byte order). A reduce task writes its output with it, and the coordinator's
 * journal migration its chunks.
 */
export class ResultWriter extends ResultEncoder {
  /**
   * The records in UTF-8 byte order of their keys, in a buffer that owns its whole ArrayBuffer
   * (offset 0, exact length: it can be transferred between threads).
   * @throws RangeError when two records have the same key bytes (a partition holds each key once).
   */
  finish(): Uint8Array {
    const data = this.out.bytes.subarray(0, this.out.length);
    return this.inOrder ? data.slice() : sortByKey(data, this.count);
  }
}

/**
 * {@link ResultWriter} straight to a file, flushing every `flushBytes`, so the records cost about
 * that much memory whatever their number; `finish` leaves the same bytes in the file as
 * `ResultWriter.finish` returns. Keys that arrive in UTF-8 byte order (all but the rare ones
 * where UTF-16 order differs, see ResultWriter) stream through. Otherwise `finish` reads the file
 * back, sorts it and writes it again: only then does the writer hold the whole output, twice (the
 * records and their sorted copy). Synchronous: meant for a worker thread.
 */
export class ResultFileWriter extends ResultEncoder {
  private fd: number | undefined;
  private written = 0;
  private peak = 0;
  private readonly flushBytes: number;

  constructor(
    readonly path: string,
    flushBytes = RUN_FILE_BUFFER_BYTES,
  ) {
    super(flushBytes + 1024);
    this.flushBytes = flushBytes;
    this.fd = openSync(path, 'w');
  }

  /** Bytes added so far (the file's size once finished). */
  get bytes(): number {
    return this.written + this.out.length;
  }

  /** Largest buffer this writer held (not counting the rare sort in `finish`). */
  get peakBufferBytes(): number {
    return Math.max(this.peak, this.out.bytes.byteLength);
  }

  /** Appends a record as ResultWriter does (`add` and `addResult` come here), flushing the buffer when it is full. */
  override append(source: Uint8Array, start: number, end: number, int: number | bigint | null, json: string | null): void {
    if (this.fd === undefined) throw new RangeError('ResultFileWriter.append called after finish()');
    super.append(source, start, end, int, json);
    if (this.out.length >= this.flushBytes) this.flush();
  }

  /**
   * Writes what is buffered, sorts the file when keys came out of UTF-8 byte order (see the class),
   * closes it and returns its size in bytes.
   * @throws RangeError when two records have the same key bytes.
   */
  finish(): number {
    if (this.fd === undefined) throw new RangeError('ResultFileWriter.finish called twice');
    this.flush();
    if (!this.inOrder) {
      const sorted = sortByKey(new Uint8Array(readFileSync(this.path)), this.count);
      writeAll(this.fd, sorted, 0);
    }
    closeSync(this.fd);
    this.fd = undefined;
    return this.written;
  }

  /** Closes the file without finishing it (after a failure). */
  abort(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }

  private flush(): void {
    this.peak = Math.max(this.peak, this.out.bytes.byteLength);
    this.drain((bytes) => {
      writeAll(this.fd!, bytes, this.written);
      this.written += bytes.length;
    });
  }
}

function writeAll(fd: number, bytes: Uint8Array, position: number): void {
  let off = 0;
  while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off, position + off);
}

/**
 * Cuts result records into chunks of at most `chunkBytes` (a larger record alone in its chunk),
 * checking in the same pass that every record is well formed (a key field, then one value field
 * holding one `int` or `json`, nothing else) and that keys ascend strictly in UTF-8 byte order.
 * The chunks are views of `data`; empty `data` gives no chunks. One loop with no call or
 * allocation per record in the common case: it runs once per partition, often before the JIT has
 * optimized it (the first commit of a job ran it 3-4x slower than a warm one as three functions).
 * @throws RangeError naming the record and what is wrong with it.
 */
export function cutChunks(data: Uint8Array, chunkBytes: number): ResultChunk[] {
  const chunks: ResultChunk[] = [];
  const n = data.length;
  let pos = 0;
  let chunkStart = 0;
  let records = 0;
  let index = 0;
  let lastKeyStart = 0;
  let lastKeyEnd = -1;
  while (pos < n) {
    const start = pos;
    let length = data[pos]!;
    if (length < 0x80) pos += 1;
    else {
      length = readVarint(data, pos);
      pos = varintEnd;
    }
    const end = pos + length;
    if (end > n) throw truncated();
    // Field 1, the key (absent when empty).
    let keyStart = pos;
    let keyEnd = pos;
    if (pos < end && data[pos] === KEY_TAG) {
      let keyLength = data[pos + 1]!;
      if (keyLength < 0x80) pos += 2;
      else {
        keyLength = readVarint(data, pos + 1);
        pos = varintEnd;
      }
      keyStart = pos;
      keyEnd = pos + keyLength;
      if (keyEnd > end) throw malformed(index, start, 'its key runs past the record');
      pos = keyEnd;
    }
    // Field 2, the value, filling the rest of the record: `int` (a varint) or `json` (length + text).
    if (pos >= end || data[pos] !== VALUE_TAG) throw malformed(index, start, 'it has no value field after the key');
    const valueLength = readVarint(data, pos + 1);
    pos = varintEnd;
    if (pos + valueLength !== end) throw malformed(index, start, 'its value does not end with the record');
    const tag = data[pos];
    if (tag === INT_TAG) {
      const first = ++pos;
      while (pos < end && data[pos]! >= 0x80) pos++;
      if (pos + 1 !== end || pos - first >= 10) throw malformed(index, start, 'its int value does not fill the value');
    } else if (tag === JSON_TAG) {
      const textLength = readVarint(data, pos + 1);
      if (varintEnd + textLength !== end) throw malformed(index, start, 'its json value does not fill the value');
    } else throw malformed(index, start, 'its value is neither int nor json');
    // Keys ascend strictly: compare with the previous one, byte by byte.
    if (lastKeyEnd >= 0) {
      const lastLength = lastKeyEnd - lastKeyStart;
      const keyLength = keyEnd - keyStart;
      const common = lastLength < keyLength ? lastLength : keyLength;
      let order = lastLength - keyLength;
      for (let i = 0; i < common; i++) {
        const d = data[lastKeyStart + i]! - data[keyStart + i]!;
        if (d !== 0) {
          order = d;
          break;
        }
      }
      if (order >= 0) {
        const key = JSON.stringify(decodeUtf8(data, keyStart, keyEnd));
        const last = JSON.stringify(decodeUtf8(data, lastKeyStart, lastKeyEnd));
        throw new RangeError(`result records are out of order: record ${index} has key ${key}, not after ${last} (keys must ascend strictly in UTF-8 byte order)`);
      }
    }
    lastKeyStart = keyStart;
    lastKeyEnd = keyEnd;
    if (records > 0 && end - chunkStart > chunkBytes) {
      chunks.push({ records, data: data.subarray(chunkStart, start) });
      chunkStart = start;
      records = 0;
    }
    records += 1;
    index += 1;
    pos = end;
  }
  if (records > 0) chunks.push({ records, data: data.subarray(chunkStart) });
  return chunks;
}

function malformed(index: number, start: number, what: string): RangeError {
  return new RangeError(`result record ${index} (at byte ${start}) is malformed: ${what}`);
}

/**
 * A cursor over one buffer of result records (field 1 first and omitted when the key is empty,
 * then field 2). After `next()` returned true, the current record is `data[start, end)` with its
 * length prefix, and its key is `data[keyStart, keyEnd)`.
 */
export class RecordCursor {
  /** Offset of the current record's length prefix. */
  start = 0;
  /** Offset just past the current record. */
  end: number;
  /** Offset of the current record's key bytes. */
  keyStart = 0;
  /** Offset just past the current record's key bytes. */
  keyEnd = 0;

  /** @param data delimited records; `from` is where the first one starts (default 0). */
  constructor(
    public data: Uint8Array,
    from = 0,
  ) {
    this.end = from;
  }

  /** Moves to the next record; false at the end of the buffer. Throws RangeError when it is truncated. */
  next(): boolean {
    const data = this.data;
    let pos = this.end;
    if (pos >= data.length) return false;
    this.start = pos;
    const length = readVarint(data, pos);
    pos = varintEnd;
    const end = pos + length;
    if (end > data.length) throw truncated();
    this.end = end;
    if (data[pos] === KEY_TAG && pos < end) {
      const keyLength = readVarint(data, pos + 1);
      this.keyStart = varintEnd;
      this.keyEnd = varintEnd + keyLength;
    } else {
      this.keyStart = this.keyEnd = pos;
    }
    return true;
  }

  /**
   * The current record's integer value (a number when it is a safe integer, else a bigint), or
   * null when the value is JSON.
   */
  intValue(): number | bigint | null {
    const data = this.data;
    let pos = this.keyEnd;
    if (data[pos] !== VALUE_TAG) return null;
    readVarint(data, pos + 1);
    pos = varintEnd;
    return data[pos] === INT_TAG ? readZigzag(data, pos + 1) : null;
  }

  /** The current record's JSON value text, or null when the value is an integer. */
  jsonValue(): string | null {
    const data = this.data;
    let pos = this.keyEnd;
    if (data[pos] !== VALUE_TAG) return 'null';
    readVarint(data, pos + 1);
    pos = varintEnd;
    if (data[pos] !== JSON_TAG) return null;
    const length = readVarint(data, pos + 1);
    return decodeUtf8(data, varintEnd, varintEnd + length);
  }
}

/**
 * The records of `data` (result records) as `[key, value]` pairs, in their order. Values as the
 * job's `results` codec `codec` reads them from a run: `int` a number, `bigint` a bigint (also
 * those stored as JSON digits, beyond int64), `json` the parsed value; without `codec`, `int`
 * values as a number when safe, else a bigint, and `json` ones parsed. For tests and local runs.
 */
export function* readResultRecords(data: Uint8Array, codec?: ValueCodecName): Generator<[key: string, value: unknown]> {
  const c = new RecordCursor(data);
  while (c.next()) {
    const key = decodeUtf8(data, c.keyStart, c.keyEnd);
    const int = c.intValue();
    if (codec === 'bigint') yield [key, int !== null ? BigInt(int) : BigInt(JSON.parse(c.jsonValue() ?? 'null') as string)];
    else yield [key, int !== null ? (codec ? Number(int) : int) : (JSON.parse(c.jsonValue() ?? 'null') as unknown)];
  }
}

/** Offset just past the varint the last readVarint call read (a module slot: no tuple per call). */
let varintEnd = 0;

/** Reads an unsigned varint (up to 2^53) at `pos`. Throws RangeError when truncated. */
function readVarint(data: Uint8Array, pos: number): number {
  let value = 0;
  let scale = 1;
  for (;;) {
    if (pos >= data.length) throw truncated();
    const b = data[pos++]!;
    value += (b & 0x7f) * scale;
    if (b < 0x80) break;
    scale *= 0x80;
  }
  varintEnd = pos;
  return value;
}

const maxSafe = BigInt(Number.MAX_SAFE_INTEGER);

/** Reads a sint64 (zigzag varint) at `pos`: a number when it is a safe integer, else a bigint. */
function readZigzag(data: Uint8Array, pos: number): number | bigint {
  const first = pos;
  while (pos < data.length && data[pos]! >= 0x80) pos++;
  if (pos >= data.length) throw truncated();
  if (pos - first < 7) {
    // At most 49 bits: exact in a double.
    const z = readVarint(data, first);
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }
  let z = 0n;
  for (let i = pos; i >= first; i--) z = (z << 7n) | BigInt(data[i]! & 0x7f);
  z = BigInt.asUintN(64, z);
  const n = BigInt.asIntN(64, (z >> 1n) ^ -(z & 1n));
  return n <= maxSafe && n >= -maxSafe ? Number(n) : n;
}

/**
 * Compares `a[aStart, aEnd)` with `b[bStart, bEnd)` as unsigned bytes (UTF-8 byte order for keys):
 * negative, zero or positive.
 */
export function compareBytes(a: Uint8Array, aStart: number, aEnd: number, b: Uint8Array, bStart: number, bEnd: number): number {
  const n = Math.min(aEnd - aStart, bEnd - bStart);
  for (let i = 0; i < n; i++) {
    const d = a[aStart + i]! - b[bStart + i]!;
    if (d !== 0) return d;
  }
  return aEnd - aStart - (bEnd - bStart);
}

function truncated(): RangeError {
  return new RangeError('result records are truncated: a record runs past the end of the buffer');
}

/** Records of `data` in UTF-8 byte order of their keys (a stable sort; equal keys throw). */
function sortByKey(data: Uint8Array, records: number): Uint8Array {
  const starts = new Uint32Array(records);
  const ends = new Uint32Array(records);
  const keyStarts = new Uint32Array(records);
  const keyEnds = new Uint32Array(records);
  const cursor = new RecordCursor(data);
  for (let i = 0; cursor.next(); i++) {
    starts[i] = cursor.start;
    ends[i] = cursor.end;
    keyStarts[i] = cursor.keyStart;
    keyEnds[i] = cursor.keyEnd;
  }
  const order = Array.from({ length: records }, (_, i) => i);
  order.sort((a, b) => compareBytes(data, keyStarts[a]!, keyEnds[a]!, data, keyStarts[b]!, keyEnds[b]!) || a - b);
  const sorted = new Uint8Array(data.length);
  let pos = 0;
  for (let i = 0; i < records; i++) {
    const r = order[i]!;
    if (i > 0) {
      const p = order[i - 1]!;
      if (compareBytes(data, keyStarts[p]!, keyEnds[p]!, data, keyStarts[r]!, keyEnds[r]!) === 0) {
        throw new RangeError(`result key ${JSON.stringify(decodeUtf8(data, keyStarts[r]!, keyEnds[r]!))} appears twice in one partition`);
      }
    }
    sorted.set(data.subarray(starts[r]!, ends[r]!), pos);
    pos += ends[r]! - starts[r]!;
  }
  return sorted;
}

/** sint64's zigzag of `n` (which must fit int64), as an unsigned 64-bit bigint. */
function zigzag64(n: bigint): bigint {
  return n >= 0n ? n << 1n : ((-n) << 1n) - 1n;
}

function bigVarintSize(value: bigint): number {
  let size = 1;
  while (value >= 0x80n) {
    value >>= 7n;
    size++;
  }
  return size;
}

function writeVarint64(out: ByteWriter, value: bigint): void {
  while (value >= 0x80n) {
    out.byte(Number(value & 0x7fn) | 0x80);
    value >>= 7n;
  }
  out.byte(Number(value));
}
