import type { Record as ProtoRecord } from '@weft/proto';
import { decodeUtf8 } from '@weft/records';

/**
 * Reading the size-delimited `weft.v1.Record` messages result chunks hold (see result-chunks.ts
 * for how they are written, and ReadResultsResponse.delimited_records in job.proto for the format).
 * Everything here works on byte offsets into a chunk: ordering and paging results never decode a
 * key into a string.
 */

/** Tag of Record field 1 (`key`, length-delimited). */
export const KEY_TAG = 0x0a;
/** Tag of Record field 2 (`value`, a length-delimited Value). */
export const VALUE_TAG = 0x12;
/** Tag of Value field 1 (`int`, a zigzag varint). */
export const INT_TAG = 0x08;
/** Tag of Value field 2 (`json`, length-delimited UTF-8). */
export const JSON_TAG = 0x12;

/**
 * A cursor over one buffer of delimited records, as ChunkWriter writes them (field 1 first and
 * omitted when the key is empty, then field 2). After `next()` returned true, the current record
 * is `data[start, end)` with its length prefix, and its key is `data[keyStart, keyEnd)`.
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

/** Offset just past the varint the last readVarint call read (a module slot: no tuple per call). */
let varintEnd = 0;

/** Reads an unsigned varint (up to 2^53) at `pos`; sets `varintEnd`. Throws RangeError when truncated. */
export function readVarint(data: Uint8Array, pos: number): number {
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
export function readZigzag(data: Uint8Array, pos: number): number | bigint {
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
  return new RangeError('result chunk is truncated: a record runs past the end of the buffer');
}

/**
 * The records of `data` as `weft.v1.Record` messages (for ReadResults' RECORDS format), in
 * order. Values: `int` as a bigint, `json` as its text.
 */
export function decodeRecords(data: Uint8Array): ProtoRecord[] {
  const records: ProtoRecord[] = [];
  const c = new RecordCursor(data);
  while (c.next()) {
    const int = c.intValue();
    records.push({
      $typeName: 'weft.v1.Record',
      key: decodeUtf8(data, c.keyStart, c.keyEnd),
      value: { $typeName: 'weft.v1.Value', kind: int !== null ? { case: 'int', value: BigInt(int) } : { case: 'json', value: c.jsonValue() ?? 'null' } },
    });
  }
  return records;
}
