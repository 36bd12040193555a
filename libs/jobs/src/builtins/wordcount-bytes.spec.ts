import { intCodec, readResultRecords, readRun } from '@weft/records';
import { defineJob } from '../definitions.js';
import type { MapTaskOptions, MapTaskOutput } from '../map-collector.js';
import { runMapTask, runMapTaskByLines } from '../map-task.js';
import { runReduceTask } from '../reduce-task.js';
import { runLocally } from '../run-locally.js';
import { wordcount } from './wordcount.js';
import { countWordsInBytes, countWordsInBytesSorted, WORD_TABLE_LIMITS } from './wordcount-bytes.js';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const base: MapTaskOptions = { params: {}, partitions: 1, inputLabel: 'a.txt', firstLine: 7, inputOffset: 4096, skipBadRecords: false };

/** Deterministic PRNG (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Every character Python's str.split() splits on, and a few it does not that JS or Unicode treat as spaces.
const PY_SPACES = [
  '\t', '\n', '\v', '\f', '\r', '\x1c', '\x1d', '\x1e', '\x1f', ' ', '\u0085', '\u00a0', '\u1680',
  ...Array.from({ length: 11 }, (_, i) => String.fromCharCode(0x2000 + i)), '\u2028', '\u2029', '\u202f', '\u205f', '\u3000',
];
const NOT_SPACES = ['\u200b', '\ufeff', '\u180e', '\x00', '\x7f', '\u2060'];
const WORDS = [
  'the', 'The', 'THE', 'a', 'of', 'and', 'Straße', 'STRASSE', 'ẞ', 'ÉCOLE', 'école', 'naïve', 'NAÏVE', 'İstanbul', 'İ', 'I',
  'ǅemal', 'ǅ', 'ﬁnance', '東京', '한국어', 'ΟΔΟΣ', 'ΟΔΟΣ.', 'Σ', 'ΑΣ', 'ΑΣ.', 'Σ.Σ', 'A\u0301Σ', 'ΑΣ\u0301', 'Ὀδυσσεύς', 'ΟΔΥΣΣΕΥΣ',
  'K', '\u212a', 'Å', '\u212b', '😀', '𝐀', '\u{10400}', '\u{10428}', '\uff5e', '\uffff', '\ue000', 'don\'t', '--', '...', 'x1',
  'Zürich', 'МОСКВА', 'Привет', '\u0130\u0307', 'ß', 'ŉ', 'ΐ',
];
// Raw byte sequences: invalid UTF-8 (lone continuation, truncated sequences, surrogates, overlongs, 0xff) and a BOM.
const RAW: number[][] = [
  [0x80], [0xc3], [0xe2, 0x80], [0xf0, 0x9f, 0x98], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0xff], [0xfe], [0xef, 0xbb, 0xbf],
  [0xe2, 0x80, 0xa8], [0xc2, 0x85], [0xc2], [0xc2, 0x0a], [0xe3, 0x80], [0xe3, 0x80, 0x80], [0xf4, 0x90, 0x80, 0x80],
];

/** A random input mixing ASCII words, Unicode words, every kind of space, line ends and raw (invalid) bytes. */
function adversarialInput(rand: () => number, pieces: number): Uint8Array {
  const parts: number[] = [];
  const push = (text: string): void => {
    for (const b of utf8(text)) parts.push(b);
  };
  if (rand() < 0.2) parts.push(0xef, 0xbb, 0xbf);
  for (let i = 0; i < pieces; i++) {
    const r = rand();
    if (r < 0.35) push(WORDS[Math.floor(rand() * WORDS.length)]!);
    else if (r < 0.5) push(['x', 'Y', 'foo', 'BAR', 'Baz9', 'q.', ',', '"a"'][Math.floor(rand() * 8)]!);
    else if (r < 0.7) push(' ');
    else if (r < 0.8) push(PY_SPACES[Math.floor(rand() * PY_SPACES.length)]!);
    else if (r < 0.84) push(NOT_SPACES[Math.floor(rand() * NOT_SPACES.length)]!);
    else if (r < 0.92) push(['\n', '\r\n', '\r', '\n\n', '\r\r\n'][Math.floor(rand() * 5)]!);
    else parts.push(...RAW[Math.floor(rand() * RAW.length)]!);
  }
  return Uint8Array.from(parts);
}

/** English-like Zipf text (plus some non-ASCII words and CRLF lines), like @weft/corpus. */
function corpus(seed: number, bytes: number): Uint8Array {
  const rand = random(seed);
  const syllables = 'ba ce di fo gu lo ma ne ri st th ou ea ch sh an er in on re'.split(' ');
  const vocabulary = Array.from({ length: 30_000 }, () => {
    let w = '';
    const n = 1 + Math.floor(rand() * 4);
    for (let k = 0; k < n; k++) w += syllables[Math.floor(rand() * syllables.length)]!;
    return w;
  });
  let text = '';
  while (text.length < bytes) {
    let line = '';
    const n = 1 + Math.floor(rand() * 15);
    for (let k = 0; k < n; k++) {
      let w = vocabulary[Math.floor(vocabulary.length * rand() ** 3)]!;
      const r = rand();
      if (r < 0.1) w = w[0]!.toUpperCase() + w.slice(1);
      else if (r < 0.12) w = w.toUpperCase();
      else if (r < 0.14) w += ',';
      else if (r < 0.15) w = WORDS[Math.floor(rand() * WORDS.length)]!;
      line += (k ? ' ' : '') + w;
    }
    text += line + (rand() < 0.05 ? '\r\n' : '\n');
  }
  return utf8(text);
}

/** Asserts the fast path and the line path give identical outputs, run bytes included. */
function expectSameTask(input: Uint8Array, options: MapTaskOptions): MapTaskOutput {
  const copy = input.slice();
  const fast = runMapTask(wordcount, input, options);
  expect(Buffer.from(input).equals(Buffer.from(copy))).toBe(true); // the input is not modified
  const slow = runMapTaskByLines(wordcount, input, options);
  expect(fast.partitions.length).toBe(slow.partitions.length);
  fast.partitions.forEach((run, p) => {
    if (!Buffer.from(run).equals(Buffer.from(slow.partitions[p]!))) {
      expect([...readRun(run, intCodec)]).toEqual([...readRun(slow.partitions[p]!, intCodec)]);
      throw new Error(`partition ${p}: runs differ in bytes`);
    }
  });
  expect(fast).toEqual(slow);
  return fast;
}

/** The lines runMapTask cuts from `input`, for runLocally. */
function linesOf(input: Uint8Array): string[] {
  const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(input);
  if (text.length === 0) return [];
  const lines = (text.endsWith('\n') ? text.slice(0, -1) : text).split('\n');
  return lines.map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
}

/** Asserts the fast path, reduced, equals runLocally on the same lines. */
function expectSameAsLocal(input: Uint8Array, partitions: number): void {
  const out = runMapTask(wordcount, input, { ...base, partitions });
  const fast = new Map<string, number>();
  for (const run of out.partitions) for (const [k, v] of readResultRecords(runReduceTask(wordcount, [run], {}).output, 'int')) fast.set(k, v as number);
  const local = runLocally(wordcount, linesOf(input), { partitions });
  expect([...fast].sort((a, b) => (a[0] < b[0] ? -1 : 1))).toEqual([...local]);
}

describe('wordcount byte-level map path', () => {
  it('is used by runMapTask, counts lines like the line path, and leaves the input alone', () => {
    expect(wordcount.mapBytes?.map).toBe(wordcount.map);
    expect(wordcount.mapBytes?.combine).toBe(wordcount.combine);
    expect(countWordsInBytes(utf8('')).lines).toBe(0);
    expect(countWordsInBytes(utf8('\n')).lines).toBe(1);
    expect(countWordsInBytes(utf8('a\nb')).lines).toBe(2);
    expect(countWordsInBytes(utf8('A a\r\nB\n')).lines).toBe(2);
    const { keys, values } = countWordsInBytes(utf8('The the THE x\r\n'));
    expect(Object.fromEntries(keys.map((k, i) => [k, values[i]]))).toEqual({ the: 3, x: 1 });
  });

  it('prefers the line path when the job has stages, and falls back to it when mapBytes throws', () => {
    const staged = defineJob({ ...wordcount, stages: [(line: string) => line.toUpperCase() + ' extra'] });
    const out = runMapTask(staged, utf8('a b\n'), base);
    expect([...readRun(out.partitions[0]!, intCodec)]).toEqual([['a', 1], ['b', 1], ['extra', 1]]);
    const failing = defineJob({
      ...wordcount,
      mapBytes: {
        ...wordcount.mapBytes!,
        runSorted: undefined,
        run: () => {
          throw new Error('no');
        },
      },
    });
    expect(runMapTask(failing, utf8('a b a\n'), base)).toEqual(runMapTaskByLines(wordcount, utf8('a b a\n'), base));
    const marked = defineJob({ ...wordcount, mapBytes: { ...wordcount.mapBytes!, runSorted: undefined, run: () => ({ lines: 5, keys: ['from-bytes', 'a'], values: [2, 1] }) } });
    const used = runMapTask(marked, utf8('a b a\n'), { ...base, partitions: 1 });
    expect([...readRun(used.partitions[0]!, intCodec)]).toEqual([['a', 1], ['from-bytes', 2]]);
    expect(used.recordsIn).toBe(5);
    // A job spread from wordcount with its own map (or combine) does not inherit the byte path.
    const ownMap = { ...wordcount, map: (_line: string, emit: (k: string, v: number) => void) => emit('own', 1) };
    expect([...readRun(runMapTask(ownMap, utf8('a b\n'), base).partitions[0]!, intCodec)]).toEqual([['own', 1]]);
    const ownCombine = defineJob({ ...wordcount, combine: (a: number, b: number) => a * b + 1 });
    expect([...readRun(runMapTask(ownCombine, utf8('a a a\n'), base).partitions[0]!, intCodec)]).toEqual([['a', 3]]);
  });

  it('matches the line path byte for byte on the adversarial cases', () => {
    const cases = [
      '', '\n', '\r\n', '\r', ' ', '\ufeffhello world\n', '\ufeff\n', 'a\ufeffb \ufeff',
      PY_SPACES.join('x') + '\n' + PY_SPACES.join(''), NOT_SPACES.map((s) => `a${s}b`).join(' '),
      'ΟΔΟΣ ΟΔΟΣ.\n', 'ΟΔΟΣ\u00a0ΟΔΟΣ\u3000Σ\u0085ΑΣ\u2028ΑΣ.', 'ΑΣ\r\nΑΣ\rΑ', 'İ İstanbul I ı ẞ ß Straße STRASSE',
      'a\r\n\r\nb\n\rc\r\r\n\n', 'x\x0by\x0cz\x1cw\x1dv\x1eu\x1ft\rs', 'K \u212a k Å \u212b å', '😀 \u{10400} \u{10428} \uff5e \ue000 \uffff',
      'THE the The\nthe\tTHE', 'word '.repeat(5000), 'Word\u00a0'.repeat(3000), 'Σ'.repeat(2000) + ' ΑΣ',
      'A'.repeat(70_000) + ' a', 'É'.repeat(40_000) + ' é', `${'x '.repeat(600)}é\n${'y '.repeat(600)}`,
    ];
    for (const text of cases) {
      for (const partitions of [1, 3]) {
        for (const skipBadRecords of [false, true]) expectSameTask(utf8(text), { ...base, partitions, skipBadRecords });
        expectSameAsLocal(utf8(text), partitions);
      }
    }
    const raw = RAW.flatMap((bytes) => [0x41, ...bytes, 0x20, ...bytes, 0x0a, ...bytes]);
    expectSameTask(Uint8Array.from(raw), base);
    expectSameTask(Uint8Array.from(raw), { ...base, partitions: 4 });
    expectSameAsLocal(Uint8Array.from(raw), 2);
  });

  it('matches the line path byte for byte on random adversarial inputs', () => {
    const rand = random(1234);
    for (let round = 0; round < 400; round++) {
      const input = adversarialInput(rand, 1 + Math.floor(rand() * 300));
      const partitions = 1 + Math.floor(rand() * 4);
      expectSameTask(input, { ...base, partitions, skipBadRecords: rand() < 0.5 });
      if (round % 10 === 0) expectSameAsLocal(input, partitions);
    }
  });

  it('matches the line path where a token-level exact path could go wrong', () => {
    // Final_Sigma next to every ASCII space (its context must stop there as at a line end), Unicode
    // spaces inside a non-ASCII token (it is split there), U+0130, invalid UTF-8 at token edges, a
    // lone '\r', a BOM at a line start, tokens of Unicode spaces only, a last token without a line end.
    const asciiSpaces = ['\t', '\v', '\f', '\r', ' ', '\x1c', '\x1d', '\x1e', '\x1f', '\n', '\r\n'];
    const cases: (string | number[])[] = [
      ...asciiSpaces.flatMap((s) => [`ΑΣ${s}Α`, `Α${s}Σ`, `ΑΣ${s}`, `${s}ΑΣ`, `A\u0301Σ${s}b`, `ΑΣ'${s}'Α`, `Σ${s}Σ${s}ΣΑ`]),
      'ΑΣ\u00a0Α ΑΣ\u3000Α ΑΣ\u0085Α Α\u00a0ΣΑ', 'Straße\u00a0ÉCOLE\u3000İstanbul', '\u00a0 \u3000 \u00a0\u3000 \u2028x',
      '\u0130 \u0130\u0130 a\u0130b \u0130\u0307', 'a\rÉ\rb\r', '\ufeffÉcole école\n\ufeffΑΣ\n\ufeff', 'x É', 'É', 'Σ', 'ΑΣ', 'A\u00a0',
      [0x41, 0xce, 0xa3, 0x20, 0xce, 0x0a, 0xce, 0xa3, 0xe2, 0x80, 0x20, 0xa3, 0x41, 0x0d, 0xce, 0xa3],
      [0xef, 0xbb, 0xbf, 0xce, 0xa3, 0x09, 0xc3, 0x0b, 0xc3, 0x89, 0xff, 0x0a, 0xef, 0xbb, 0xbf, 0xc2, 0xa0, 0x41, 0xce, 0xa3],
      [0xc2, 0x20, 0xa0, 0x20, 0xc2, 0xa0, 0x20, 0xe3, 0x80, 0x80, 0x41, 0xe3, 0x80],
    ];
    for (const text of cases) {
      const input = typeof text === 'string' ? utf8(text) : Uint8Array.from(text);
      // Twice in one input and over two tasks: a token's later occurrences use the remembered pieces.
      const twice = Uint8Array.from([...input, 0x0a, ...input]);
      for (const partitions of [1, 2]) {
        expectSameTask(input, { ...base, partitions });
        expectSameTask(twice, { ...base, partitions });
        expectSameTask(input, { ...base, partitions });
      }
      expectSameAsLocal(twice, 2);
    }
    const rand = random(4321);
    const pieces = ['Σ', 'ΑΣ', 'σ', 'Α', 'a', 'A', '\u0301', "'", '.', '\u00ad', 'İ', 'É', ...asciiSpaces, ...PY_SPACES, ...NOT_SPACES];
    for (let round = 0; round < 300; round++) {
      const parts: number[] = [];
      for (let k = 0, n = 1 + Math.floor(rand() * 40); k < n; k++) {
        if (rand() < 0.1) parts.push(...RAW[Math.floor(rand() * RAW.length)]!);
        else parts.push(...utf8(pieces[Math.floor(rand() * pieces.length)]!));
      }
      expectSameTask(Uint8Array.from(parts), { ...base, partitions: 1 + Math.floor(rand() * 3) });
    }
  });

  it('matches the line path byte for byte on a generated corpus (many distinct keys)', () => {
    const input = corpus(42, 3 << 20);
    const out = expectSameTask(input, { ...base, partitions: 2 });
    expect(out.recordsOut).toBeGreaterThan(10_000); // past the table's first growth
    expectSameTask(input, base);
    expectSameAsLocal(corpus(7, 300_000), 3);
  });

  it('runSorted: a throw falls back to the line path, a wrong partition count is refused', () => {
    const failing = defineJob({
      ...wordcount,
      mapBytes: {
        ...wordcount.mapBytes!,
        runSorted: () => {
          throw new Error('no');
        },
      },
    });
    expect(runMapTask(failing, utf8('a b a\n'), { ...base, partitions: 2 })).toEqual(runMapTaskByLines(wordcount, utf8('a b a\n'), { ...base, partitions: 2 }));
    const marked = defineJob({ ...wordcount, mapBytes: { ...wordcount.mapBytes!, runSorted: () => ({ lines: 3, partitions: [{ keys: ['a', 'sorted'], values: [4, 1] }] }) } });
    const used = runMapTask(marked, utf8('a b a\n'), base);
    expect([...readRun(used.partitions[0]!, intCodec)]).toEqual([['a', 4], ['sorted', 1]]);
    expect(used.recordsIn).toBe(3);
    // Keys may come as UTF-8 bytes (views into one buffer), written as they are.
    const bytes = utf8('xxéa sorted');
    const raw = defineJob({ ...wordcount, mapBytes: { ...wordcount.mapBytes!, runSorted: () => ({ lines: 2, partitions: [{ keyBytes: { bytes, starts: Int32Array.of(2, 6), lengths: Int32Array.of(3, 6) }, values: [7, 1] }] }) } });
    const written = runMapTask(raw, utf8('a b a\n'), base);
    expect([...readRun(written.partitions[0]!, intCodec)]).toEqual([['éa', 7], ['sorted', 1]]);
    expect(written).toMatchObject({ recordsIn: 2, recordsOut: 2, partitionRecords: [2] });
    // A part count that does not match the task's is a bug of the path, reported as such.
    expect(() => runMapTask(marked, utf8('a b a\n'), { ...base, partitions: 2 })).toThrow(/runSorted returned 1 partitions, expected 2/);
    expect(() => countWordsInBytesSorted(utf8('a'), 0)).toThrow(RangeError);
  });

  it('runSorted keeps its table across tasks: every task of a sequence matches the line path and the unsorted path', () => {
    const unsorted = defineJob({ ...wordcount, mapBytes: { ...wordcount.mapBytes!, runSorted: undefined } });
    const rand = random(99);
    const inputs = [corpus(1, 200_000), corpus(2, 150_000), adversarialInput(rand, 400), corpus(3, 100_000), utf8(''), adversarialInput(rand, 50), corpus(1, 200_000)];
    // Partition counts change between tasks (a thread serves several jobs): partitions are recomputed.
    const partitionCounts = [2, 2, 3, 1, 2, 5, 2];
    inputs.forEach((input, i) => {
      const options = { ...base, partitions: partitionCounts[i]! };
      const out = expectSameTask(input, options);
      expect(out).toEqual(runMapTask(unsorted, input, options));
      // Counts are per task: the same input twice gives the same runs, not doubled counts.
      expect(runMapTask(wordcount, input, options)).toEqual(out);
    });
  });

  it('runSorted starts a fresh table past its limits and gives the same runs', () => {
    const saved = { ...WORD_TABLE_LIMITS };
    try {
      WORD_TABLE_LIMITS.entries = 500;
      WORD_TABLE_LIMITS.arenaBytes = 4096;
      for (let seed = 10; seed < 16; seed++) expectSameTask(corpus(seed, 40_000), { ...base, partitions: 3 });
    } finally {
      Object.assign(WORD_TABLE_LIMITS, saved);
    }
  });
});
