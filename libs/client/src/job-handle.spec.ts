import { create } from '@bufbuild/protobuf';
import { sizeDelimitedEncode } from '@bufbuild/protobuf/wire';
import { createRouterTransport } from '@connectrpc/connect';
import { JobService, RecordSchema, ResultFormat, ResultOrder, type ReadResultsRequest } from '@weft/proto';
import { createWeftClient } from './create-weft-client.js';

const record = (key: string, value: bigint | string) =>
  sizeDelimitedEncode(RecordSchema, create(RecordSchema, { key, value: { kind: typeof value === 'bigint' ? { case: 'int', value } : { case: 'json', value } } }));

describe('JobHandle.results', () => {
  it('asks for delimited records, decodes them, and still reads records from a server that ignores the format', async () => {
    const requests: ReadResultsRequest[] = [];
    const transport = createRouterTransport(({ service }) => {
      service(JobService, {
        async *readResults(req) {
          requests.push(req);
          yield { delimitedRecords: Uint8Array.from([...record('a', 3n), ...record('\u{1F600}', 2n ** 60n)]), recordCount: 2 };
          yield { records: [{ key: 'old', value: { kind: { case: 'json', value: '{"x":1}' } } }] };
          yield { delimitedRecords: record('', '[1,2]'), recordCount: 1 };
        },
      });
    });
    const client = createWeftClient({ url: 'http://gateway.test', transport });
    const records = [];
    for await (const r of client.job('j-1').results({ order: 'value', limit: 5, offset: 1 })) records.push(r);
    expect(requests.map((r) => [r.jobId, r.order, r.limit, r.offset, r.format])).toEqual([['j-1', ResultOrder.VALUE_DESC, 5n, 1n, ResultFormat.DELIMITED]]);
    expect(records).toEqual([
      { key: 'a', value: 3 },
      { key: '\u{1F600}', value: 2n ** 60n },
      { key: 'old', value: { x: 1 } },
      { key: '', value: [1, 2] },
    ]);
  });
});
