import { intCodec } from './codecs.js';
import { mergeRuns } from './merge-runs.js';
import { RunWriter } from './run-writer.js';

/** A small deterministic PRNG so failures reproduce. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

function runOf(records: Array<[string, number]>): Uint8Array {
  const writer = new RunWriter(intCodec);
  for (const [k, v] of [...records].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) writer.add(k, v);
  return writer.finish();
}

describe('mergeRuns', () => {
  it('equals a sort of the union, grouping equal keys', () => {
    const random = lcg(7);
    const alphabet = ['a', 'b', 'é', 'zz', '日', '😀', 'A', ''];
    const union: Array<[string, number]> = [];
    const runs: Uint8Array[] = [];
    for (let r = 0; r < 9; r++) {
      const records: Array<[string, number]> = [];
      const n = Math.floor(random() * 200);
      for (let i = 0; i < n; i++) {
        const key = alphabet[Math.floor(random() * alphabet.length)]! + alphabet[Math.floor(random() * alphabet.length)]!;
        records.push([key, r * 1000 + i]);
      }
      union.push(...records);
      runs.push(runOf(records));
    }
    const expected = new Map<string, number[]>();
    for (const [k, v] of union) expected.set(k, [...(expected.get(k) ?? []), v]);
    const expectedKeys = [...expected.keys()].sort();

    const merged = [...mergeRuns(runs, intCodec)];
    expect(merged.map(([k]) => k)).toEqual(expectedKeys);
    for (const [key, values] of merged) {
      expect([...values].sort((a, b) => a - b)).toEqual([...expected.get(key)!].sort((a, b) => a - b));
    }
  });

  it('keeps values from earlier runs first', () => {
    const merged = [...mergeRuns([runOf([['k', 1], ['k', 2]]), runOf([['j', 0], ['k', 3]]), runOf([['k', 4]])], intCodec)];
    expect(merged).toEqual([['j', [0]], ['k', [1, 2, 3, 4]]]);
  });

  it('handles no runs and empty runs', () => {
    expect([...mergeRuns([], intCodec)]).toEqual([]);
    expect([...mergeRuns([runOf([]), runOf([['x', 1]]), runOf([])], intCodec)]).toEqual([['x', [1]]]);
  });
});
