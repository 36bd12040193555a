import type { Record as ProtoRecord } from '@weft/proto';
import { decodeUtf8, RecordCursor } from '@weft/records';

// Result records (size-delimited `weft.v1.Record` messages, see ReadResultsResponse.delimited_records
// in job.proto) are written, cut and read by `@weft/records` (result-records.ts): reducers write
// them, the journal stores them in chunks, ReadResults serves them. Only turning them into
// protobuf-es messages lives here, since @weft/records does not know @weft/proto.

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
