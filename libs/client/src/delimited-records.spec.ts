import { create, toBinary } from '@bufbuild/protobuf';
import { sizeDelimitedEncode } from '@bufbuild/protobuf/wire';
import { RecordSchema, type Record as ProtoRecord } from '@weft/proto';
import { decodeDelimitedRecords } from './delimited-records.js';
import { decodeResultValue } from './result-value.js';

/** mulberry32: a small seeded generator, so a failure reproduces. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const alphabet = ['a', 'Z', '7', ' ', 'é', '中', '\u{1F600}', '\uE000', '\uFEFF', '"', '\\'];
const ints = [0n, 1n, -1n, 63n, -64n, 2n ** 52n, -(2n ** 52n), 2n ** 53n - 1n, -(2n ** 53n) + 1n, 2n ** 53n, -(2n ** 53n), 2n ** 63n - 1n, -(2n ** 63n), 123456789012345678n];

function randomRecord(rand: () => number): ProtoRecord {
  let key = '';
  const length = Math.floor(rand() * (rand() < 0.1 ? 40 : 8));
  for (let i = 0; i < length; i++) key += alphabet[Math.floor(rand() * alphabet.length)];
  const r = rand();
  if (r < 0.03) return create(RecordSchema, { key });
  if (r < 0.05) return create(RecordSchema, { key, value: {} });
  if (r < 0.55) {
    const value = rand() < 0.5 ? ints[Math.floor(rand() * ints.length)]! : BigInt(Math.floor((rand() - 0.5) * 2 ** 40));
    return create(RecordSchema, { key, value: { kind: { case: 'int', value } } });
  }
  const json = [1.5, 'text', key, [1, 'a', null], { k: { v: true } }, null, -0.25, 2 ** 70][Math.floor(rand() * 8)];
  return create(RecordSchema, { key, value: { kind: { case: 'json', value: JSON.stringify(json) } } });
}

/** The parts joined, as a plain Uint8Array (Buffer.concat's Buffer would not equal one in toEqual). */
const concat = (parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));

/** A size-delimited record from raw Record bytes. */
const delimited = (record: number[]): number[] => [record.length, ...record];

describe('decodeDelimitedRecords', () => {
  it.each([1, 2, 3])('decodes random records as protobuf-es and decodeResultValue do (seed %i)', (seed) => {
    const rand = random(seed);
    const records = Array.from({ length: 2000 }, () => randomRecord(rand));
    const data = concat(records.map((r) => sizeDelimitedEncode(RecordSchema, r)));
    expect(decodeDelimitedRecords(data)).toEqual(records.map((r) => ({ key: r.key, value: decodeResultValue(r.value) })));
  });

  it('falls back to protobuf-es for a record it does not expect, with protobuf semantics', () => {
    const plain = [...toBinary(RecordSchema, create(RecordSchema, { key: 'k', value: { kind: { case: 'int', value: 5n } } }))];
    const data = Uint8Array.from([
      // An unknown field 3 (varint) after the known ones: a newer server's addition.
      ...delimited([...plain, 0x18, 0x07]),
      // The value twice: protobuf merges them, and the oneof's last case wins (json "2").
      ...delimited([0x0a, 0x01, 0x61, 0x12, 0x02, 0x08, 0x02, 0x12, 0x03, 0x12, 0x01, 0x32]),
      // The key twice: the last one wins.
      ...delimited([0x0a, 0x01, 0x61, 0x0a, 0x01, 0x62, 0x12, 0x02, 0x08, 0x01]),
      // An unknown field 9 inside Value.
      ...delimited([0x0a, 0x01, 0x63, 0x12, 0x04, 0x08, 0x06, 0x48, 0x01]),
      // Fields in reverse order.
      ...delimited([0x12, 0x02, 0x08, 0x03, 0x0a, 0x01, 0x64]),
    ]);
    expect(decodeDelimitedRecords(data)).toEqual([
      { key: 'k', value: 5 },
      { key: 'a', value: 2 },
      { key: 'b', value: -1 },
      { key: 'c', value: 3 },
      { key: 'd', value: -2 },
    ]);
  });

  it('throws on truncated bytes and on a JSON value that is not JSON', () => {
    const data = sizeDelimitedEncode(RecordSchema, create(RecordSchema, { key: 'k', value: { kind: { case: 'int', value: 5n } } }));
    expect(() => decodeDelimitedRecords(data.subarray(0, data.length - 1))).toThrow(RangeError);
    const bad = sizeDelimitedEncode(RecordSchema, create(RecordSchema, { key: 'k', value: { kind: { case: 'json', value: '{nope' } } }));
    expect(() => decodeDelimitedRecords(bad)).toThrow(SyntaxError);
  });
});
