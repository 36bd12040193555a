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

  it('sizes the chunk buffer exactly: tag, length, data and nothing more', () => {
    const out = serializer(StreamPartitionResponseSchema)({ data: new Uint8Array(1 << 20) });
    expect(out.byteLength).toBe(1 + 3 + (1 << 20));
    expect(out.buffer.byteLength).toBeLessThan((1 << 20) + 8 * 1024);
  });

  it('encodes any other message with toBinary', () => {
    const request = create(StreamPartitionRequestSchema, { jobId: 'job-1', partition: 3 });
    expect(Buffer.compare(serializer(StreamPartitionRequestSchema)(request), Buffer.from(toBinary(StreamPartitionRequestSchema, request)))).toBe(0);
  });
});
