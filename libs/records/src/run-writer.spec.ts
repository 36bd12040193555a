import { intCodec, jsonCodec } from './codecs.js';
import { RunReader, readRun } from './run-reader.js';
import { runRecordCount } from './run-format.js';
import { RunWriter } from './run-writer.js';

describe('RunWriter and readRun', () => {
  it('writes the WFR1 header with codec id and record count', () => {
    const writer = new RunWriter(intCodec);
    writer.add('a', 1);
    writer.add('b', 2);
    expect(writer.count).toBe(2);
    const run = writer.finish();
    expect([...run.subarray(0, 9)]).toEqual([0x57, 0x46, 0x52, 0x31, 1, 2, 0, 0, 0]);
    expect(runRecordCount(run)).toBe(2);
    expect(run.byteOffset).toBe(0);
    expect(run.buffer.byteLength).toBe(run.length);
  });

  it('round-trips the empty key, non-ASCII keys, astral characters and long keys', () => {
    const keys = ['', 'apple', 'straße', 'Ωmega', 'ärger', '日本語', 'é'.repeat(100), '😀 emoji', 'z'.repeat(200)].sort();
    const writer = new RunWriter(intCodec, 16);
    keys.forEach((k, i) => writer.add(k, i));
    expect([...readRun(writer.finish(), intCodec)]).toEqual(keys.map((k, i) => [k, i]));
  });

  it('round-trips keys starting with U+FEFF (a BOM is text in a key)', () => {
    const writer = new RunWriter(intCodec);
    for (const key of ['world', '\ufeff', '\ufeffhello', '\ufeff' + 'x'.repeat(40)]) writer.add(key, 1);
    expect([...readRun(writer.finish(), intCodec)].map(([key]) => key)).toEqual(['world', '\ufeff', '\ufeffhello', '\ufeff' + 'x'.repeat(40)]);
  });

  it('allows repeated keys but rejects keys out of order', () => {
    const writer = new RunWriter(intCodec);
    writer.add('b', 1);
    writer.add('b', 2);
    expect(() => writer.add('a', 3)).toThrow(new RangeError('run keys must be added in non-decreasing order: "a" after "b"'));
  });

  it('orders keys by UTF-16 code units, like <', () => {
    const writer = new RunWriter(intCodec);
    writer.add('\uffff', 1);
    // U+1F600 is stored as surrogates 0xD83D 0xDE00, which sort before U+FFFF.
    expect(() => writer.add('😀', 2)).toThrow(RangeError);
  });

  it('an empty run has a header and no records', () => {
    const run = new RunWriter(jsonCodec).finish();
    expect(run.length).toBe(9);
    expect([...readRun(run, jsonCodec)]).toEqual([]);
  });

  it('refuses buffers that are not runs, runs of another codec, and truncated runs', () => {
    expect(() => runRecordCount(new Uint8Array([1, 2, 3]))).toThrow(/not a Weft run/);
    const writer = new RunWriter(intCodec);
    writer.add('key', 42);
    const run = writer.finish();
    expect(() => [...readRun(run, jsonCodec)]).toThrow('run was written with the int codec, cannot read it as json');
    const reader = new RunReader(run.subarray(0, run.length - 2), intCodec);
    expect(() => reader.next()).toThrow(/truncated/);
  });

  it('refuses use after finish', () => {
    const writer = new RunWriter(intCodec);
    writer.finish();
    expect(() => writer.add('a', 1)).toThrow(/after finish/);
    expect(() => writer.finish()).toThrow(/twice/);
  });
});
