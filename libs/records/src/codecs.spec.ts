import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bigintCodec, codecByName, intCodec, jsonCodec, jsonTextCodec } from './codecs.js';
import { mergeRuns } from './merge-runs.js';
import { RunFileReader } from './run-file.js';
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

  it('bigint round-trips the int64/uint64 bounds and beyond', () => {
    const bounds = [2n ** 63n - 1n, -(2n ** 63n), 2n ** 64n - 1n, 2n ** 64n, -(2n ** 64n) - 1n, BigInt(Number.MAX_SAFE_INTEGER) + 2n, -1n];
    const records = bounds.map((v, i) => [`k${i}`, v] as [string, bigint]);
    expect(roundTrip(bigintCodec, records)).toEqual(records);
  });
});

describe('the json codec (binary form, header id 4)', () => {
  const samples: unknown[] = [
    0, -0, 1, -1, 63, -64, 64, 1000, -123456789, 2 ** 31, -(2 ** 31) - 1, 2 ** 40 + 7, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER,
    2 ** 53, -(2 ** 53) - 2, 1.5, -0.25, 1e300, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY,
    '', 'a', 'x'.repeat(300), 'Straße 東京 😀', '\u0000\n"quoted"', '\ud800 lone', 'end \udfff', '\ufeffbom',
    true, false, null, [], [1, 'two', null, [3.5]], { a: 1, 'ключ': ['значение'], nested: { t: true } }, { toJSON: () => 'custom' },
  ];

  it('reads every value back as JSON.parse(JSON.stringify(value)) would', () => {
    const records = samples.map((v, i) => [`k${String(i).padStart(3, '0')}`, v] as [string, unknown]);
    const expected = records.map(([k, v]) => [k, JSON.parse(JSON.stringify(v)) as unknown]);
    expect(roundTrip(jsonCodec, records)).toEqual(expected);
    // Lone surrogates survive (through the JSON fallback), unlike a plain UTF-8 string.
    expect(roundTrip(jsonCodec, [['k', '\ud800x']])[0]![1]).toBe('\ud800x');
    expect(Object.is(roundTrip(jsonCodec, [['k', -0]])[0]![1], 0)).toBe(true);
  });

  it('stores integers as a tag + varint, strings as a tag + UTF-8, and the rest as JSON text', () => {
    const bytesOf = (value: unknown): number[] => {
      const writer = new RunWriter(jsonCodec, 16);
      writer.add('k', value);
      return [...writer.finish().subarray(9 + 2)]; // header, then key "k" (length 1 + 1 byte)
    };
    expect(bytesOf(5)).toEqual([0, 5]);
    expect(bytesOf(-5)).toEqual([0, 0x40 | 5]);
    expect(bytesOf(1_000_000)).toEqual([0, 0x80 | (1_000_000 % 64), ...[(Math.floor(1_000_000 / 64) % 128) | 0x80, Math.floor(1_000_000 / 8192)]]); // 4 bytes, not 9 as JSON text
    expect(bytesOf(Number.MAX_SAFE_INTEGER).length).toBeLessThanOrEqual(10);
    expect(bytesOf('ab')).toEqual([1, 2, 0x61, 0x62]);
    expect(bytesOf(true)).toEqual([2]);
    expect(bytesOf(false)).toEqual([3]);
    expect(bytesOf(null)).toEqual([4]);
    expect(bytesOf(1.5)).toEqual([5, 3, ...Buffer.from('1.5')]);
    expect(bytesOf([1])).toEqual([5, 3, ...Buffer.from('[1]')]);
  });

  it('writes the same bytes for the same records (runs are byte-identical between runs)', () => {
    const write = (): Uint8Array => {
      const writer = new RunWriter(jsonCodec);
      samples.forEach((v, i) => writer.add(`k${String(i).padStart(3, '0')}`, v));
      return writer.finish();
    };
    expect(Buffer.from(write()).equals(Buffer.from(write()))).toBe(true);
  });

  it('rejects what JSON cannot hold (undefined, bigint, functions, cycles), naming the key, and leaves the run intact', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const writer = new RunWriter(jsonCodec);
    expect(() => writer.add('a', undefined)).toThrow(/key "a" is not JSON-serializable/);
    expect(() => writer.add('b', 10n)).toThrow(/key "b" is not JSON-serializable/);
    expect(() => writer.add('c', () => 1)).toThrow(/key "c" is not JSON-serializable/);
    expect(() => writer.add('d', cyclic)).toThrow(/key "d" is not JSON-serializable/);
    writer.add('e', 7);
    expect([...readRun(writer.finish(), jsonCodec)]).toEqual([['e', 7]]);
  });

  it('refuses an unknown tag', () => {
    const writer = new RunWriter(jsonCodec);
    writer.add('k', 1);
    const run = writer.finish();
    run[run.length - 2] = 9; // the tag
    expect(() => [...readRun(run, jsonCodec)]).toThrow(/unknown tag 9/);
  });

  it('still reads runs of the text form (header id 3), alone, merged with new runs, and from files', () => {
    const old = new RunWriter(jsonTextCodec);
    old.add('a', ['x']);
    old.add('c', 2.5);
    const oldRun = old.finish();
    expect(oldRun[4]).toBe(3);
    const fresh = new RunWriter(jsonCodec);
    fresh.add('a', 'y');
    fresh.add('b', 3);
    const freshRun = fresh.finish();
    expect(freshRun[4]).toBe(4);
    expect([...readRun(oldRun, jsonCodec)]).toEqual([['a', ['x']], ['c', 2.5]]);
    expect([...mergeRuns([oldRun, freshRun], jsonCodec)]).toEqual([['a', [['x'], 'y']], ['b', [3]], ['c', [2.5]]]);
    const dir = mkdtempSync(path.join(tmpdir(), 'weft-json-'));
    try {
      writeFileSync(path.join(dir, 'old.run'), oldRun);
      const reader = new RunFileReader(path.join(dir, 'old.run'), jsonCodec);
      const read: [string, unknown][] = [];
      while (reader.next()) read.push([reader.key, reader.value]);
      reader.close();
      expect(read).toEqual([['a', ['x']], ['c', 2.5]]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // Other codecs are still refused.
    expect(() => [...readRun(oldRun, intCodec)]).toThrow(/written with the json codec, cannot read it as int/);
  });
});

