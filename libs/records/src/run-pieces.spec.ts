import { intCodec, jsonCodec } from './codecs.js';
import { KeyGroupMerge } from './key-group-merge.js';
import { joinRun, runByteLength, runRecordCount, type Run } from './run-format.js';
import { RawRunReader, readRun } from './run-reader.js';
import { RunWriter } from './run-writer.js';

/** A small deterministic PRNG so failures reproduce. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

const ALPHABET = ['a', 'Z', ' ', '"', '\\', '\n', '\u0000', 'é', '日', '\uFEFF', '😀', '\u{10FFFF}', '{', '}'];

function randomText(random: () => number, maxLength: number): string {
  let text = '';
  const n = Math.floor(random() * random() * maxLength);
  for (let i = 0; i < n; i++) text += ALPHABET[Math.floor(random() * ALPHABET.length)]!;
  return text;
}

/** A random JSON value: mostly strings (short, long, non-ASCII, escapes, astral), some numbers, objects, lone surrogates. */
function randomValue(random: () => number): unknown {
  const r = random();
  if (r < 0.6) return randomText(random, r < 0.05 ? 3000 : 120);
  if (r < 0.7) return Math.floor((random() - 0.5) * 2 ** 40);
  if (r < 0.75) return random() * 1000;
  if (r < 0.8) return { text: randomText(random, 20), list: [1, true, null] };
  if (r < 0.85) return '\uD800' + randomText(random, 5); // not well-formed: stored as JSON text
  return random() < 0.5 ? null : random() < 0.5;
}

function jsonRun(random: () => number, records: number): Uint8Array {
  const entries: Array<[string, unknown]> = [];
  for (let i = 0; i < records; i++) entries.push([`k${Math.floor(random() * 40)}${randomText(random, 3)}`, randomValue(random)]);
  entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const writer = new RunWriter(jsonCodec);
  for (const [key, value] of entries) writer.add(key, value);
  return writer.finish();
}

/** `run` cut at random points into pieces (some of one byte, some empty, the first maybe shorter than the header), each a view into a larger buffer. */
function cut(run: Uint8Array, random: () => number, meanPiece: number): Uint8Array[] {
  const pieces: Uint8Array[] = [];
  for (let at = 0; at < run.byteLength; ) {
    const r = random();
    const size = r < 0.1 ? 0 : r < 0.2 ? 1 : Math.ceil(random() * 2 * meanPiece);
    const end = Math.min(run.byteLength, at + size);
    const backing = new Uint8Array(end - at + 8);
    backing.set(run.subarray(at, end), 4);
    pieces.push(backing.subarray(4, 4 + end - at));
    at = end;
  }
  return pieces;
}

function rawRecords(run: Run): Array<[string, unknown]> {
  const reader = new RawRunReader(run, jsonCodec);
  const out: Array<[string, unknown]> = [];
  while (reader.next()) out.push([Buffer.from(reader.run.subarray(reader.keyStart, reader.keyEnd)).toString('utf8'), reader.value]);
  return out;
}

describe('runs in pieces', () => {
  it('read record for record as the run in one buffer, wherever the pieces are cut', () => {
    const random = lcg(7);
    for (let round = 0; round < 30; round++) {
      const run = jsonRun(random, 1 + Math.floor(random() * 400));
      const expected = [...readRun(run, jsonCodec)];
      // The reference: every value as JSON.parse(JSON.stringify(value)) would read it back.
      expect(rawRecords(run)).toEqual(expected);
      for (const mean of [1, 7, 64, 1000, 1 << 20]) {
        const pieces = cut(run, random, mean);
        expect(runByteLength(pieces)).toBe(run.byteLength);
        expect(runRecordCount(pieces)).toBe(expected.length);
        expect(Buffer.compare(joinRun(pieces), run)).toBe(0);
        expect(rawRecords(pieces)).toEqual(expected);
        expect([...readRun(pieces, jsonCodec)]).toEqual(expected);
      }
    }
  });

  it('merge into the same groups as the runs in one buffer', () => {
    const random = lcg(42);
    for (let round = 0; round < 10; round++) {
      const runs = Array.from({ length: 1 + Math.floor(random() * 4) }, () => jsonRun(random, Math.floor(random() * 300)));
      const groups = (input: Run[]): Array<[string, unknown[]]> => {
        const merge = new KeyGroupMerge(input, jsonCodec);
        const out: Array<[string, unknown[]]> = [];
        while (merge.next()) out.push([merge.key, merge.values]);
        return out;
      };
      // Reference: a Map of key -> values in run order, keys sorted in JS string order.
      const reference = new Map<string, unknown[]>();
      for (const run of runs) for (const [key, value] of readRun(run, jsonCodec)) reference.set(key, [...(reference.get(key) ?? []), value]);
      const expected = [...reference].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      expect(groups(runs)).toEqual(expected);
      expect(groups(runs.map((run) => cut(run, random, 1 + Math.floor(random() * 200))))).toEqual(expected);
      expect(groups(runs.map((run, i) => (i % 2 ? cut(run, random, 50) : run)))).toEqual(expected);
    }
  });

  it('read in place after leading empty pieces, and join only the pieces a short first one needs for the header', () => {
    const run = jsonRun(lcg(11), 100);
    const expected = [...readRun(run, jsonCodec)];
    const rest = run.subarray(20);
    for (const pieces of [
      [new Uint8Array(0), new Uint8Array(0), run],
      [run.subarray(0, 3), run.subarray(3, 6), new Uint8Array(0), run.subarray(6, 20), rest],
      [run.subarray(0, 9), rest.subarray(0, 0), run.subarray(9)],
    ]) {
      expect(runRecordCount(pieces)).toBe(expected.length);
      expect(rawRecords(pieces)).toEqual(expected);
    }
    // Past the header the reader works in the pieces themselves: key bytes are views into them.
    const reader = new RawRunReader([new Uint8Array(0), run], jsonCodec);
    expect(reader.next()).toBe(true);
    expect(reader.run).toBe(run);
  });

  it('keep a key valid after its cursor moved on into the next piece', () => {
    const writer = new RunWriter(intCodec);
    for (let i = 0; i < 200; i++) writer.add(`key-${String(i).padStart(4, '0')}-${'x'.repeat(i % 50)}`, i);
    const run = writer.finish();
    const pieces = cut(run, lcg(3), 20);
    const reader = new RawRunReader(pieces, intCodec);
    let previous: { bytes: Uint8Array; start: number; end: number; text: string } | undefined;
    while (reader.next()) {
      if (previous) expect(Buffer.from(previous.bytes.subarray(previous.start, previous.end)).toString()).toBe(previous.text);
      previous = { bytes: reader.run, start: reader.keyStart, end: reader.keyEnd, text: Buffer.from(reader.run.subarray(reader.keyStart, reader.keyEnd)).toString() };
    }
  });

  it('still reject a truncated run, and a run whose pieces were not its bytes', () => {
    const run = jsonRun(lcg(5), 50);
    const short = cut(run.subarray(0, run.byteLength - 3), lcg(6), 30);
    const reader = new RawRunReader(short, jsonCodec);
    expect(() => {
      while (reader.next());
    }).toThrow(/truncated/);
    expect(() => new RawRunReader([new Uint8Array([1, 2, 3])], jsonCodec)).toThrow(RangeError);
    expect(() => runRecordCount([])).toThrow(RangeError);
  });
});
