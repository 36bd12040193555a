import type { Record as ProtoRecord } from '@weft/proto';
import { decodeUtf8, RecordCursor } from '@weft/records';
import type { ResultRow } from './output-committer.js';

// Result records (size-delimited `weft.v1.Record` messages, see ReadResultsResponse.delimited_records
// in job.proto) are written, cut and read by `@weft/records` (result-records.ts): reducers write
// them, the journal stores them in chunks, ReadResults serves them. Only turning them into
// protobuf-es messages lives here, since @weft/records does not know @weft/proto.

/** The records of `data` (result records), in order, with their key decoded: `int` values as a bigint, `json` ones as their text. */
export function* resultRows(data: Uint8Array): Generator<ResultRow> {
  const c = new RecordCursor(data);
  while (c.next()) {
    const key = decodeUtf8(data, c.keyStart, c.keyEnd);
    const int = c.intValue();
    yield int !== null ? { key, int: BigInt(int), json: null } : { key, int: null, json: c.jsonValue() ?? 'null' };
  }
}

/** The records of `data` as `weft.v1.Record` messages (for ReadResults' RECORDS format), in order. */
export function decodeRecords(data: Uint8Array): ProtoRecord[] {
  const records: ProtoRecord[] = [];
  for (const { key, int, json } of resultRows(data)) {
    records.push({ $typeName: 'weft.v1.Record', key, value: { $typeName: 'weft.v1.Value', kind: int !== null ? { case: 'int', value: int } : { case: 'json', value: json ?? 'null' } } });
  }
  return records;
}
