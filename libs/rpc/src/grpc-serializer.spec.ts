import { create, toBinary } from '@bufbuild/protobuf';
import { StreamPartitionResponseSchema, StreamPartitionRequestSchema } from '@weft/proto/cluster';
import { serializer } from './grpc-server.js';

describe('the grpc-js serializer', () => {
  it('writes a one-bytes-field chunk exactly as toBinary does, at every varint length boundary', () => {
    const serialize = serializer(StreamPartitionResponseSchema);
    for (const size of [0, 1, 127, 128, 16_383, 16_384, 1 << 20, (1 << 21) + 3]) {
      const data = new Uint8Array(size).map((_, i) => (i * 31 + size) & 0xff);
      const expected = toBinary(StreamPartitionResponseSchema, create(StreamPartitionResponseSchema, { data }));
      // A plain init object (what handlers yield) and a created message encode the same.
      expect(Buffer.compare(serialize({ data }), Buffer.from(expected))).toBe(0);
      expect(Buffer.compare(serialize(create(StreamPartitionResponseSchema, { data })), Buffer.from(expected))).toBe(0);
    }
    expect(serialize({})).toHaveLength(0);
  });

  it('returns an exact-size view of one reused buffer per serializer (grpc-js copies it at once), but for chunks over 4 MiB', () => {
    const serialize = serializer(StreamPartitionResponseSchema);
    const first = serialize({ data: new Uint8Array(1 << 20).fill(1) });
    expect(first.byteLength).toBe(1 + 3 + (1 << 20));
    const second = serialize({ data: new Uint8Array(1000).fill(2) });
    expect(second.byteLength).toBe(1 + 2 + 1000);
    expect(second.buffer).toBe(first.buffer);
    expect(first.buffer.byteLength).toBeLessThan((1 << 20) + 8 * 1024);
    const large = serialize({ data: new Uint8Array(5 << 20) });
    expect(large.byteLength).toBe(1 + 4 + (5 << 20));
    expect(large.buffer).not.toBe(first.buffer);
    expect(serializer(StreamPartitionResponseSchema)({ data: new Uint8Array(10) }).buffer).not.toBe(first.buffer);
  });

  it('encodes any other message with toBinary', () => {
    const request = create(StreamPartitionRequestSchema, { jobId: 'job-1', partition: 3 });
    expect(Buffer.compare(serializer(StreamPartitionRequestSchema)(request), Buffer.from(toBinary(StreamPartitionRequestSchema, request)))).toBe(0);
  });
});
