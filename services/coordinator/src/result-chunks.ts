import { ByteWriter, RunReader, codecByName, openRun, type ValueCodecName } from '@weft/records';
import { streamChunkBytes } from '@weft/rpc';
import { INT_TAG, JSON_TAG, KEY_TAG, RecordCursor, VALUE_TAG, compareBytes } from './delimited-record.js';

/**
 * Largest chunk, in record bytes, unless one record alone is larger: the streams' chunk size (1 MiB
 * less 64 bytes), since a chunk (or a ReadResults batch of this size) travels as one `bytes` field.
 * Just under 1 MiB, protobuf-es encodes each response in a 1 MiB buffer, not 2, in the coordinator
 * and again in the gateway: reading a 256 MB word count's results took ~25 ms less (188-195 vs
 * 215-223 ms medians, two interleaved runs of 8 jobs).
 */
export const defaultChunkBytes = streamChunkBytes;

/** A run of a partition's committed records, sorted by key: size-delimited `weft.v1.Record` messages. */
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
 * Builds a partition's chunks from records given in any order: each record is encoded once into
 * one buffer, checking as it goes that keys ascend in UTF-8 byte order; `finish` sorts only when
 * they did not (reducers emit keys in UTF-16 order, which differs for keys with characters at or
 * above U+E000 next to surrogate pairs) and cuts the buffer into chunks of at most `chunkBytes`.
 */
export class ChunkWriter {
  private out = new ByteWriter(1 << 16);
  private records = 0;
  private sorted = true;
  private lastKeyStart = 0;
  private lastKeyEnd = -1;

  /** @param chunkBytes largest chunk in bytes (default 1 MiB; tests force many small chunks). */
  constructor(private readonly chunkBytes = defaultChunkBytes) {}

  /**
   * Appends a record whose key is the UTF-8 bytes `source[start, end)` and whose value is what the
   * reducer returned: integers that fit int64 as `int`, bigints beyond it as a JSON string of
   * their digits, anything else as its JSON text.
   */
  add(source: Uint8Array, start: number, end: number, value: unknown): void {
    if (typeof value === 'number' && Number.isSafeInteger(value)) this.append(source, start, end, value, null);
    else if (typeof value === 'bigint') {
      if (value <= maxInt64 && value >= minInt64) this.append(source, start, end, value, null);
      else this.append(source, start, end, null, JSON.stringify(value.toString()));
    } else this.append(source, start, end, null, JSON.stringify(value) ?? 'null');
  }

  /** Appends a record with an integer value (`int`), or a JSON one (`json`) when `int` is null. */
  append(source: Uint8Array, start: number, end: number, int: number | bigint | null, json: string | null): void {
    const keyLength = end - start;
    let zigzag: number | bigint = 0;
    let jsonBytes: Uint8Array | undefined;
    let valueLength: number;
    if (int !== null) {
      zigzag = typeof int === 'number' && int < smallInt && int > -smallInt ? (int >= 0 ? int * 2 : -int * 2 - 1) : zigzag64(BigInt(int));
      valueLength = 1 + varintSize(zigzag);
    } else {
      jsonBytes = encoder.encode(json ?? 'null');
      valueLength = 1 + varintSize(jsonBytes.length) + jsonBytes.length;
    }
    const recordLength = (keyLength > 0 ? 1 + varintSize(keyLength) + keyLength : 0) + 1 + varintSize(valueLength) + valueLength;
    const out = this.out;
    out.ensure(recordLength + 10);
    out.varint(recordLength);
    const keyStart = out.length + (keyLength > 0 ? 1 + varintSize(keyLength) : 0);
    if (keyLength > 0) {
      out.byte(KEY_TAG);
      out.varint(keyLength);
      const bytes = out.bytes;
      if (keyLength <= 32) {
        let pos = out.length;
        for (let i = start; i < end; i++) bytes[pos++] = source[i]!;
        out.length = pos;
      } else out.raw(source.subarray(start, end));
    }
    out.byte(VALUE_TAG);
    out.varint(valueLength);
    if (jsonBytes) {
      out.byte(JSON_TAG);
      out.varint(jsonBytes.length);
      out.raw(jsonBytes);
    } else {
      out.byte(INT_TAG);
      if (typeof zigzag === 'number') out.varint(zigzag);
      else writeVarint64(out, zigzag);
    }
    const keyEnd = keyStart + keyLength;
    if (this.sorted && this.lastKeyEnd >= 0 && compareBytes(out.bytes, this.lastKeyStart, this.lastKeyEnd, out.bytes, keyStart, keyEnd) >= 0) this.sorted = false;
    this.lastKeyStart = keyStart;
    this.lastKeyEnd = keyEnd;
    this.records += 1;
  }

  /**
   * The records as chunks in UTF-8 byte order of their keys.
   * @throws RangeError when two records have the same key bytes (a partition holds each key once).
   */
  finish(): ResultChunk[] {
    const data = this.out.bytes.subarray(0, this.out.length);
    return cutChunks(this.sorted ? data : sortByKey(data, this.records), this.chunkBytes);
  }
}

/**
 * Converts a reducer's output run (`libs/records` run format, values in codec `codecName`) into
 * sorted chunks, copying key bytes as they are; an empty buffer (no output) gives no chunks.
 * @throws RangeError when `run` is not a run of that codec, or is truncated.
 */
export function runToChunks(run: Uint8Array, codecName: ValueCodecName, chunkBytes = defaultChunkBytes): ResultChunk[] {
  if (run.byteLength === 0) return [];
  const codec = codecByName(codecName);
  // Checks the header and the codec; `stored` is an older form of the codec for older runs.
  const { count, reader: input, codec: stored } = openRun(run, codec);
  const writer = new ChunkWriter(chunkBytes);
  if (stored === codec) {
    for (let i = 0; i < count; i++) {
      const length = input.varint();
      const start = input.pos;
      input.pos = start + length;
      if (input.pos > run.length) throw new RangeError('run is truncated: a record runs past the end of the buffer');
      writer.add(run, start, start + length, codec.read(input));
    }
  } else {
    const reader = new RunReader(run, codec);
    while (reader.next()) {
      const key = encoder.encode(reader.key);
      writer.add(key, 0, key.length, reader.value);
    }
  }
  return writer.finish();
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
        throw new RangeError(`result key ${JSON.stringify(new TextDecoder().decode(data.subarray(keyStarts[r]!, keyEnds[r]!)))} appears twice in one partition`);
      }
    }
    sorted.set(data.subarray(starts[r]!, ends[r]!), pos);
    pos += ends[r]! - starts[r]!;
  }
  return sorted;
}

/** Cuts delimited records into chunks of at most `chunkBytes` (a larger record alone in its chunk). */
function cutChunks(data: Uint8Array, chunkBytes: number): ResultChunk[] {
  const chunks: ResultChunk[] = [];
  const cursor = new RecordCursor(data);
  let chunkStart = 0;
  let records = 0;
  while (cursor.next()) {
    if (records > 0 && cursor.end - chunkStart > chunkBytes) {
      chunks.push({ records, data: data.subarray(chunkStart, cursor.start) });
      chunkStart = cursor.start;
      records = 0;
    }
    records += 1;
  }
  if (records > 0) chunks.push({ records, data: data.subarray(chunkStart) });
  return chunks;
}

/** sint64's zigzag of `n` (which must fit int64), as an unsigned 64-bit bigint. */
function zigzag64(n: bigint): bigint {
  return n >= 0n ? n << 1n : ((-n) << 1n) - 1n;
}

function varintSize(value: number | bigint): number {
  let size = 1;
  if (typeof value === 'number') {
    while (value >= 0x80) {
      value = Math.floor(value / 0x80);
      size++;
    }
  } else {
    while (value >= 0x80n) {
      value >>= 7n;
      size++;
    }
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
