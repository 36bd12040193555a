import { codecByName, readResultRecords, readRun, RunWriter } from '@weft/records';
import { invertedIndex, wordcount } from './builtins/index.js';
import { defineJob } from './definitions.js';
import { runMergeTask } from './merge-task.js';
import { runReduceTask } from './reduce-task.js';

/** A small deterministic PRNG so failures reproduce. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

// Keys whose UTF-8 byte order differs from JS string order (U+E000+ against astral), among others.
const PIECES = ['the', 'a', 'Zeta', 'é', '日本', '\uE000', '\uFFFD', '\uFF41', '😀', '\u{10FFFF}', '\uFEFF', ''];

/** Seeded map outputs of a word count: `count` sorted runs of (word, n) with words repeated within and across runs. */
function randomRuns(seed: number, count: number): Array<Array<[string, number]>> {
  const random = lcg(seed);
  return Array.from({ length: count }, () => {
    const records: Array<[string, number]> = [];
    const n = Math.floor(random() * 400);
    for (let i = 0; i < n; i++) {
      let key = '';
      for (let p = Math.floor(random() * 3); p >= 0; p--) key += PIECES[Math.floor(random() * PIECES.length)]!;
      records.push([key, 1 + Math.floor(random() * 5)]);
    }
    return records.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  });
}

function encode(records: Array<[string, unknown]>, codec: 'int' | 'json'): Uint8Array {
  const writer = new RunWriter(codecByName(codec));
  for (const [k, v] of records) writer.add(k, v);
  return writer.finish();
}

/** Independent reference: sums per key in a Map, keys sorted in UTF-8 byte order (results' order). */
function referenceCounts(runs: Array<Array<[string, number]>>): Array<[string, number]> {
  const sums = new Map<string, number>();
  for (const records of runs) for (const [k, v] of records) sums.set(k, (sums.get(k) ?? 0) + v);
  return [...sums.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))).map((k): [string, number] => [k, sums.get(k)!]);
}

describe('runReduceTask', () => {
  it('word count of seeded random runs (non-ASCII, astral and U+E000+ keys) equals a Map-based sum, sorted by UTF-8 bytes', () => {
    for (const seed of [1, 2, 3]) {
      const runs = randomRuns(seed, 1 + seed * 2);
      const reduced = runReduceTask(wordcount, runs.map((r) => encode(r, 'int')), {});
      expect([...readResultRecords(reduced.output, 'int')]).toEqual(referenceCounts(runs));
      expect(reduced.bytesOut).toBe(reduced.output.length);
      expect(reduced.recordsIn).toBe(runs.reduce((n, r) => n + r.length, 0));
      expect(reduced.recordsOut).toBe(referenceCounts(runs).length);
      // Merging some runs first (combine folds them) changes nothing.
      const merged = runMergeTask(wordcount, runs.slice(0, 2).map((r) => encode(r, 'int')));
      const viaMerge = runReduceTask(wordcount, [merged.output, ...runs.slice(2).map((r) => encode(r, 'int'))], {});
      expect(Buffer.from(viaMerge.output).equals(Buffer.from(reduced.output))).toBe(true);
    }
  });

  it('passes every value of a key, earlier runs first, and writes what reduce returns', () => {
    const runs = [encode([['w', 'd2'], ['w', 'd3']], 'json'), encode([['v', 'd1'], ['w', 'd1']], 'json')];
    const reduced = runReduceTask(invertedIndex, runs, {});
    const merged = runMergeTask(invertedIndex, runs.map((r) => r.slice()));
    expect([...readRun(merged.output, codecByName('json'))]).toEqual([['v', 'd1'], ['w', 'd2'], ['w', 'd3'], ['w', 'd1']]);
    expect(Buffer.from(runReduceTask(invertedIndex, [merged.output], {}).output).equals(Buffer.from(reduced.output))).toBe(true);
  });

  it('writes result records: the bytes the coordinator stores, each value by the results codec\'s rules', () => {
    const values: unknown[] = [1, -0, 1.5, 'text', [1, 'x'], { toJSON: () => 7 }, null, true, 2 ** 60];
    const job = defineJob<number, unknown>({ name: 'anything', description: 'returns a value per key', params: {}, values: 'int', results: 'json', map() {}, reduce: (_key, v) => values[v[0]!] });
    const keys = values.map((_, i) => `k${i}`);
    const reduced = runReduceTask(job, [encode(keys.map((k, i) => [k, i]), 'int')], {});
    // Size-delimited weft.v1.Record messages, by hand: field 1 the key, field 2 a Value (1: zigzag int, 2: JSON text).
    const utf8 = (text: string): number[] => [...Buffer.from(text)];
    const record = (key: string, value: number[]): number[] => {
      const body = [0x0a, utf8(key).length, ...utf8(key), 0x12, value.length, ...value];
      return [body.length, ...body];
    };
    const json = (text: string): number[] => [0x12, utf8(text).length, ...utf8(text)];
    const expected = [
      record('k0', [0x08, 2]),
      record('k1', [0x08, 0]),
      record('k2', json('1.5')),
      record('k3', json('"text"')),
      record('k4', json('[1,"x"]')),
      record('k5', [0x08, 14]),
      record('k6', json('null')),
      record('k7', json('true')),
      record('k8', json(JSON.stringify(2 ** 60))) // '1152921504606847000',
    ].flat();
    expect([...reduced.output]).toEqual(expected);
    expect(reduced).toMatchObject({ recordsOut: 9, bytesOut: expected.length });
  });

  it('a reduce that throws, or returns what the results codec cannot encode, fails at its key', () => {
    const throwing = defineJob<number, number>({ name: 'throws', description: 'throws at one key', params: {}, values: 'int', results: 'int', map() {}, reduce: (key) => { if (key === '日本') throw new Error('boom'); return 1; } });
    expect(() => runReduceTask(throwing, [encode([['a', 1], ['日本', 2]], 'int')], {})).toThrow('throws reduce failed: boom (at key "日本")');
    const fractional = defineJob<number, number>({ name: 'half', description: 'halves the first value', params: {}, values: 'int', results: 'int', map() {}, reduce: (_key, values) => values[0]! / 2 });
    expect(() => runReduceTask(fractional, [encode([['a', 2], ['😀', 3]], 'int')], {})).toThrow('half reduce failed: value of key "😀" must be a safe integer for the int codec, got 1.5 (at key "😀")');
  });
});
