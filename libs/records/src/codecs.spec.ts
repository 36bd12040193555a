import { bigintCodec, codecByName, intCodec, jsonCodec } from './codecs.js';
import { readRun } from './run-reader.js';
import { RunWriter } from './run-writer.js';
import type { ValueCodec } from './value-codec.js';

function roundTrip<V>(codec: ValueCodec<V>, records: Array<[string, V]>): Array<[string, V]> {
  const writer = new RunWriter(codec, 16);
  for (const [k, v] of records) writer.add(k, v);
  return [...readRun(writer.finish(), codec)];
}

describe('value codecs', () => {
  it('int round-trips zero, negatives, small, large and the safe-integer limits', () => {
    const values = [0, 1, -1, 63, 64, -63, -64, 127, 128, 8191, 8192, -8192, 2 ** 31, -(2 ** 31) - 1, 2 ** 40 + 7,
      Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER - 1];
    const records = values.map((v, i) => [`k${String(i).padStart(3, '0')}`, v] as [string, number]);
    expect(roundTrip(intCodec, records)).toEqual(records);
  });

  it('int rejects non-safe integers with a RangeError naming the key', () => {
    const writer = new RunWriter(intCodec);
    expect(() => writer.add('apple', 1.5)).toThrow(new RangeError('value of key "apple" must be a safe integer for the int codec, got 1.5'));
    expect(() => writer.add('b', 2 ** 53)).toThrow(RangeError);
    expect(() => writer.add('c', Number.NaN)).toThrow(/"c"/);
    // A rejected value leaves the run intact.
    writer.add('d', 4);
    expect([...readRun(writer.finish(), intCodec)]).toEqual([['d', 4]]);
  });

  it('bigint round-trips huge and negative values exactly', () => {
    const huge = 12345678901234567890123456789012345678901234567890n ** 3n;
    const records: Array<[string, bigint]> = [['a', 0n], ['b', -huge], ['c', huge], ['d', 333338333350000n]];
    expect(roundTrip(bigintCodec, records)).toEqual(records);
  });

  it('json round-trips nested values and non-ASCII text', () => {
    const records: Array<[string, unknown]> = [
      ['a', null], ['b', ['doc-1', 'doc-2']], ['c', { 'ключ': 'значение', n: 1.5, t: true }], ['d', 'x'.repeat(300)],
    ];
    expect(roundTrip(jsonCodec, records)).toEqual(records);
  });

  it('json rejects undefined with a RangeError naming the key', () => {
    expect(() => new RunWriter(jsonCodec).add('k', undefined)).toThrow(/key "k" is not JSON-serializable/);
  });

  it('codecByName finds each codec and rejects unknown names', () => {
    expect(codecByName('int')).toBe(intCodec);
    expect(codecByName('bigint')).toBe(bigintCodec);
    expect(codecByName('json')).toBe(jsonCodec);
    expect(() => codecByName('float' as never)).toThrow(/unknown value codec "float"/);
  });
});
