import { fromBinary } from '@bufbuild/protobuf';
import { RecordSchema } from '@weft/proto';
import { decodeResultValue, type ResultRecord } from './result-value.js';

// ignoreBOM: a key starting with U+FEFF is text, as protobuf-es reads it.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
const maxSafe = BigInt(Number.MAX_SAFE_INTEGER);

/** A Record's shape the fast path does not handle: decode that record with protobuf-es instead. */
class Unexpected extends Error {}
const unexpected = new Unexpected();

/**
 * Decodes ReadResultsResponse.delimited_records (size-delimited `weft.v1.Record` messages) into
 * result records, the same as decoding each Record with protobuf-es and its value with
 * `decodeResultValue`, without a message object per record. A record carrying anything else than
 * the fields this client knows (a newer server's additions, a repeated field) is decoded by
 * protobuf-es. Works in browsers (no node:buffer).
 * @throws RangeError when the bytes are truncated; SyntaxError for a JSON value that is not JSON.
 */
export function decodeDelimitedRecords(data: Uint8Array): ResultRecord[] {
  const records: ResultRecord[] = [];
  let pos = 0;
  while (pos < data.length) {
    const length = varint(data, pos);
    const start = at;
    const end = start + length;
    if (end > data.length) throw new RangeError('delimited_records is truncated: a record runs past the end of the bytes');
    let record: ResultRecord;
    try {
      record = decodeRecord(data, start, end);
    } catch (error) {
      if (error !== unexpected) throw error;
      const message = fromBinary(RecordSchema, data.subarray(start, end));
      record = { key: message.key, value: decodeResultValue(message.value) };
    }
    records.push(record);
    pos = end;
  }
  return records;
}

/** Offset just past the last varint read (a module slot: no tuple per call). */
let at = 0;

function varint(data: Uint8Array, pos: number): number {
  let value = 0;
  let scale = 1;
  for (;;) {
    if (pos >= data.length) throw new RangeError('delimited_records is truncated inside a varint');
    const b = data[pos++]!;
    value += (b & 0x7f) * scale;
    if (b < 0x80) break;
    scale *= 0x80;
  }
  at = pos;
  return value;
}

/** Record: field 1 `key` (string), field 2 `value` (Value); each at most once. */
function decodeRecord(data: Uint8Array, pos: number, end: number): ResultRecord {
  let key = '';
  let value: unknown;
  let seen = 0;
  while (pos < end) {
    const tag = data[pos++]!;
    const field = tag === 0x0a ? 1 : tag === 0x12 ? 2 : 0;
    if (field === 0 || seen & field) throw unexpected;
    seen |= field;
    const length = varint(data, pos);
    const start = at;
    pos = start + length;
    if (pos > end) throw unexpected;
    if (tag === 0x0a) key = utf8(data, start, pos);
    else value = decodeValue(data, start, pos);
  }
  return { key, value };
}

/** Value: exactly one of field 1 `int` (sint64) or field 2 `json` (string); none reads as undefined. */
function decodeValue(data: Uint8Array, pos: number, end: number): unknown {
  if (pos === end) return undefined;
  const tag = data[pos++]!;
  let value: unknown;
  if (tag === 0x08) {
    value = zigzag(data, pos, end);
  } else if (tag === 0x12) {
    const length = varint(data, pos);
    if (at + length > end) throw unexpected;
    value = JSON.parse(utf8(data, at, at + length)) as unknown;
    at += length;
  } else {
    throw unexpected;
  }
  if (at !== end) throw unexpected;
  return value;
}

/** A sint64 as `decodeResultValue` returns it: a number when it is a safe integer, else a bigint. */
function zigzag(data: Uint8Array, pos: number, end: number): number | bigint {
  let last = pos;
  while (last < end && data[last]! >= 0x80) last++;
  if (last >= end || last - pos >= 10) throw unexpected;
  at = last + 1;
  if (last - pos < 7) {
    // At most 49 bits: exact in a double.
    const z = varint(data, pos);
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }
  let z = 0n;
  for (let i = last; i >= pos; i--) z = (z << 7n) | BigInt(data[i]! & 0x7f);
  z = BigInt.asUintN(64, z);
  const n = BigInt.asIntN(64, (z >> 1n) ^ -(z & 1n));
  return n <= maxSafe && n >= -maxSafe ? Number(n) : n;
}

/** Char codes of a short ASCII key: fromCharCode over them makes a flat string (concatenation makes a rope). */
const codes: number[] = [];

function utf8(data: Uint8Array, start: number, end: number): string {
  const length = end - start;
  if (length <= 32) {
    codes.length = length;
    for (let i = 0; i < length; i++) {
      const c = data[start + i]!;
      if (c >= 0x80) return decoder.decode(data.subarray(start, end));
      codes[i] = c;
    }
    return String.fromCharCode.apply(null, codes);
  }
  return decoder.decode(data.subarray(start, end));
}
