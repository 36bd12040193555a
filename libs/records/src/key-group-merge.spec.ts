import { ByteWriter } from './byte-writer.js';
import { intCodec, jsonCodec } from './codecs.js';
import { KeyGroupMerge } from './key-group-merge.js';
import { compareKeyBytes, equalKeyBytes } from './key-order.js';
import { mergeRuns } from './merge-runs.js';
import { RawRunWriter } from './raw-run-writer.js';
import { readRun } from './run-reader.js';
import { RunWriter } from './run-writer.js';

/** A small deterministic PRNG so failures reproduce. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

// Pieces whose UTF-8 byte order and UTF-16 order disagree (U+E000..U+FFFF against astral
// characters), next to ASCII, 2- and 3-byte characters, a BOM and the empty string.
const PIECES = ['a', 'b', 'zz', 'A', '', 'é', 'ÿ', '日', '\uD7FF', '\uE000', '\uF8FF', '\uFEFF', '\uFF21', '\uFFFD', '\uFFFF', '😀', '\u{10000}', '\u{1F600}\u{E000}', '\u{10FFFF}'];

function randomKey(random: () => number): string {
  let key = '';
  const n = Math.floor(random() * 4);
  for (let i = 0; i < n; i++) key += PIECES[Math.floor(random() * PIECES.length)]!;
  return key;
}

/** Records sorted by key in JS string order (stable: equal keys keep their order). */
function sorted<V>(records: Array<[string, V]>): Array<[string, V]> {
  return [...records].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

function runOf(records: Array<[string, number]>): Uint8Array {
  const writer = new RunWriter(intCodec);
  for (const [k, v] of sorted(records)) writer.add(k, v);
  return writer.finish();
}

function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

function groups<V>(merge: KeyGroupMerge<V>): Array<[string, V[]]> {
  const out: Array<[string, V[]]> = [];
  while (merge.next()) out.push([merge.key, merge.values]);
  return out;
}

describe('compareKeyBytes', () => {
  it('orders UTF-8 keys exactly as JS compares the strings (UTF-16 code units), incl. U+E000+ against astral', () => {
    const random = lcg(11);
    for (let i = 0; i < 20_000; i++) {
      const s = randomKey(random);
      const t = random() < 0.1 ? s : randomKey(random);
      const a = utf8(`xx${s}`);
      const b = utf8(t);
      const order = compareKeyBytes(a, 2, a.length, b, 0, b.length);
      expect([Math.sign(order), equalKeyBytes(a, 2, a.length, b, 0, b.length)]).toEqual([s < t ? -1 : s > t ? 1 : 0, s === t]);
    }
  });

  it('puts an astral character before U+E000..U+FFFF, as UTF-16 does (UTF-8 byte order says the opposite)', () => {
    const astral = utf8('\u{1F600}');
    const high = utf8('\uFF21');
    expect(compareKeyBytes(astral, 0, astral.length, high, 0, high.length)).toBeLessThan(0);
    expect(compareKeyBytes(high, 0, high.length, astral, 0, astral.length)).toBeGreaterThan(0);
  });
});

describe('KeyGroupMerge', () => {
  it('groups seeded random runs (duplicates within and across runs, non-ASCII keys) like a Map of the union, sorted', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const random = lcg(seed);
      const runs: Array<Array<[string, number]>> = [];
      const count = 1 + Math.floor(random() * 9);
      for (let r = 0; r < count; r++) {
        const records: Array<[string, number]> = [];
        const n = Math.floor(random() * 300);
        for (let i = 0; i < n; i++) records.push([randomKey(random), r * 1000 + i]);
        runs.push(records);
      }
      // Independent reference: values per key in run order, then each run's (stable-sorted) order.
      const expected = new Map<string, number[]>();
      for (const records of runs) for (const [k, v] of sorted(records)) expected.set(k, [...(expected.get(k) ?? []), v]);
      const reference = [...expected.keys()].sort().map((k): [string, number[]] => [k, expected.get(k)!]);

      expect(groups(new KeyGroupMerge(runs.map(runOf), intCodec))).toEqual(reference);
      expect([...mergeRuns(runs.map(runOf), intCodec)]).toEqual(reference);
    }
  });

  it('keeps values from earlier runs first, and handles no runs and empty runs', () => {
    expect(groups(new KeyGroupMerge([runOf([['k', 1], ['k', 2]]), runOf([['j', 0], ['k', 3]]), runOf([['k', 4]])], intCodec))).toEqual([['j', [0]], ['k', [1, 2, 3, 4]]]);
    expect(groups(new KeyGroupMerge([], intCodec))).toEqual([]);
    expect(groups(new KeyGroupMerge([runOf([]), runOf([['x', 1]]), runOf([])], intCodec))).toEqual([['x', [1]]]);
  });

  it('refuses a run of another codec and a truncated run', () => {
    expect(() => new KeyGroupMerge([runOf([['a', 1]])], jsonCodec)).toThrow(RangeError);
    const run = runOf([['abc', 1], ['abd', 2]]);
    const merge = new KeyGroupMerge([run.subarray(0, run.length - 3)], intCodec);
    expect(() => groups(merge)).toThrow(/truncated/);
  });
});

describe('RawRunWriter', () => {
  it('writes the same bytes as RunWriter for the same records', () => {
    const random = lcg(9);
    const records = sorted(Array.from({ length: 500 }, (): [string, unknown] => [randomKey(random) + 'x'.repeat(Math.floor(random() * 40)), random() < 0.5 ? Math.floor(random() * 1e6) : { v: randomKey(random) }]));
    const expected = new RunWriter(jsonCodec);
    const raw = new RawRunWriter(jsonCodec, 16);
    for (const [k, v] of records) {
      expected.add(k, v);
      const bytes = utf8(`..${k}`);
      raw.add(bytes, 2, bytes.length, v);
    }
    expect(raw.count).toBe(records.length);
    expect(Buffer.from(raw.finish()).equals(Buffer.from(expected.finish()))).toBe(true);
  });

  it('a value the codec refuses throws the codec error naming the key, and leaves the run as it was', () => {
    const writer = new RawRunWriter(intCodec);
    const key = utf8('wörd');
    writer.add(key, 0, key.length, 1);
    expect(() => writer.add(key, 0, key.length, 1.5)).toThrow('value of key "wörd" must be a safe integer for the int codec, got 1.5');
    writer.add(key, 0, key.length, 2);
    expect([...readRun(writer.finish(), intCodec)]).toEqual([['wörd', 1], ['wörd', 2]]);
    expect(() => writer.add(key, 0, 1, 3)).toThrow(RangeError);
  });

  it('copies long keys too', () => {
    const writer = new RawRunWriter(intCodec);
    const out = new ByteWriter(16);
    out.string('k'.repeat(200) + '日');
    const key = out.bytes.subarray(0, out.length);
    writer.add(key, 2, key.length, 7); // a 2-byte length prefix
    expect([...readRun(writer.finish(), intCodec)]).toEqual([['k'.repeat(200) + '日', 7]]);
  });
});
