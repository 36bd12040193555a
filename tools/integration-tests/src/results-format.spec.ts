import { Code, ConnectError, createClient, type CallOptions } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport } from '@connectrpc/connect-node';
import { fromBinary } from '@bufbuild/protobuf';
import { BinaryReader } from '@bufbuild/protobuf/wire';
import { JobService, RecordSchema, ResultFormat, ResultOrder } from '@weft/proto';
import { useClusterSuite } from './support/cluster-suite.js';
import { readAll } from './support/read-results.js';
import { compareUtf8, referenceWordCount } from './support/reference-word-count.js';

// ReadResults' two formats through the gateway: DELIMITED carries the same records as RECORDS, in
// the same order (UTF-8 byte order of keys merged across partitions, or by value), with the same
// paging, over gRPC and Connect; the SDK reads them; an unknown format is refused, naming `format`.

const suite = useClusterSuite('results-format', { mappers: 1, reducers: 3 });

// Keys where UTF-16 and UTF-8 orders differ (U+E000 and above vs. astral characters), non-ASCII, a BOM.
const words = ['a', 'b', 'é', '中文', '\u{1F600}', '\u{1F600}x', '\uE000', '\uFF21', '\uFFFD', '\uFEFFbom', 'zz', 'ß'];
const lines = Array.from({ length: 60 }, (_, i) => Array.from({ length: 1 + (i % 7) }, (_, j) => `${words[(i * 5 + j * 3) % words.length]}${i % 4 === 0 ? i : ''}`).join(' '));

interface Row {
  readonly key: string;
  readonly value: string;
}

function clients(protocol: 'connect' | 'grpc') {
  const baseUrl = suite.cluster.gatewayUrl;
  const transport = protocol === 'grpc' ? createGrpcTransport({ baseUrl }) : createConnectTransport({ baseUrl, httpVersion: '1.1' });
  const options: CallOptions = { timeoutMs: 20_000 };
  return { jobs: createClient(JobService, transport), options };
}

/** Every record of one ReadResults call, decoded by protobuf-es from whichever field carried it. */
async function read(protocol: 'connect' | 'grpc', jobId: string, format: ResultFormat, order: ResultOrder, limit = 0, offset = 0): Promise<Row[]> {
  const { jobs, options } = clients(protocol);
  const rows: Row[] = [];
  for await (const batch of jobs.readResults({ jobId, format, order, limit: BigInt(limit), offset: BigInt(offset) }, options)) {
    const reader = new BinaryReader(batch.delimitedRecords);
    let n = 0;
    while (reader.pos < reader.len) {
      const record = fromBinary(RecordSchema, reader.bytes());
      rows.push({ key: record.key, value: String(record.value?.kind.value) });
      n += 1;
    }
    expect(n).toBe(batch.recordCount);
    if (format === ResultFormat.DELIMITED) expect(batch.records).toEqual([]);
    for (const record of batch.records) rows.push({ key: record.key, value: String(record.value?.kind.value) });
  }
  return rows;
}

describe('ReadResults formats through the gateway', () => {
  it('DELIMITED carries what RECORDS does, in key and value order, with paging, over gRPC and Connect', () =>
    suite.run(async (cluster) => {
      const job = await cluster.client.submit({ function: 'wordcount', inputs: [{ records: lines }], reducers: 3 });
      await job.wait();
      const counts = referenceWordCount(lines.join('\n'));
      const byKey = [...counts].sort(([a], [b]) => compareUtf8(a, b)).map(([key, value]) => ({ key, value: String(value) }));
      const byValue = [...counts].sort(([ka, va], [kb, vb]) => vb - va || compareUtf8(ka, kb)).map(([key, value]) => ({ key, value: String(value) }));
      expect(byKey.length).toBeGreaterThan(20);
      const pages: [limit: number, offset: number][] = [[0, 0], [5, 0], [5, 3], [0, byKey.length - 2], [3, byKey.length], [1000, 1]];
      for (const protocol of ['grpc', 'connect'] as const) {
        for (const [limit, offset] of pages) {
          const end = limit > 0 ? offset + limit : undefined;
          for (const [order, expected] of [[ResultOrder.KEY, byKey], [ResultOrder.VALUE_DESC, byValue]] as const) {
            const delimited = await read(protocol, job.id, ResultFormat.DELIMITED, order, limit, offset);
            expect(delimited).toEqual(expected.slice(offset, end));
            expect(await read(protocol, job.id, ResultFormat.RECORDS, order, limit, offset)).toEqual(delimited);
          }
        }
      }
      expect(await read('grpc', job.id, ResultFormat.UNSPECIFIED, ResultOrder.KEY)).toEqual(byKey);
      // The SDK asks for DELIMITED.
      expect((await readAll(job)).map(({ key, value }) => ({ key, value: String(value) }))).toEqual(byKey);
    }));

  it('refuses a format it does not know with INVALID_ARGUMENT naming format', () =>
    suite.run(async (cluster) => {
      const job = await cluster.client.submit({ function: 'wordcount', inputs: [{ records: ['a b'] }] });
      await job.wait();
      const error = await read('connect', job.id, 9 as ResultFormat, ResultOrder.KEY).then(
        () => undefined,
        (e: unknown) => ConnectError.from(e),
      );
      expect(error?.code).toBe(Code.InvalidArgument);
      expect(error?.rawMessage).toBe('format is 9; expected RESULT_FORMAT_RECORDS or RESULT_FORMAT_DELIMITED');
    }));
});
