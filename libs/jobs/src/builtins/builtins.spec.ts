import { isInvalidArgumentError } from '@weft/errors';
import { runLocally } from '../run-locally.js';
import { countPrimes, countPrimesBelow } from './count-primes.js';
import { echo } from './echo.js';
import { grep } from './grep.js';
import { invertedIndex } from './inverted-index.js';
import { sleep } from './sleep.js';
import { splitWords } from './split-words.js';
import { sumOfSquares } from './sum-of-squares.js';
import { wordcount } from './wordcount.js';

/** Python's `collections.Counter(text.lower().split())`, with splitWords standing in for split(). */
function pythonCount(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const w of splitWords(text.toLowerCase())) counts.set(w, (counts.get(w) ?? 0) + 1);
  return new Map([...counts].sort((a, b) => (a[0] < b[0] ? -1 : 1)));
}

describe('splitWords', () => {
  it('splits exactly like Python str.split() (checked against CPython 3)', () => {
    // CPython: 'ΟΔΟΣ Straße İstanbul ǅ A\x1cB C\x85D E\u3000F G\ufeffH I\u200bJ'.lower().split()
    const text = 'ΟΔΟΣ Straße İstanbul ǅ A\x1cB C\x85D E\u3000F G\ufeffH I\u200bJ';
    expect(splitWords(text.toLowerCase())).toEqual(['οδος', 'straße', 'i̇stanbul', 'ǆ', 'a', 'b', 'c', 'd', 'e', 'f', 'g\ufeffh', 'i\u200bj']);
    expect(splitWords('  \t\n ')).toEqual([]);
  });
});

describe('wordcount', () => {
  it('lower-cases, keeps punctuation attached and counts every token', () => {
    const result = runLocally(wordcount, ['The cat, the CAT.', '  the\tdog  ', '', 'Ünïcode ÜNÏCODE ΟΔΟΣ']);
    expect([...result]).toEqual([['cat,', 1], ['cat.', 1], ['dog', 1], ['the', 3], ['ünïcode', 2], ['οδος', 1]]);
  });

  it('the inlined tokenizer agrees with splitWords on awkward whitespace', () => {
    const lines = ['a\x1cb\x1dc\x1ed\x1ff', 'x\x85y\u00a0z\u1680w', 'p\u2000q\u200ar\u2028s\u2029t\u202fu\u205fv\u3000w', 'k\ufeffl m\u200bn', '\x0b\x0cend'];
    expect(runLocally(wordcount, lines)).toEqual(pythonCount(lines.join('\n')));
  });

  it('gives the same answer with several partitions', () => {
    const lines = Array.from({ length: 500 }, (_, i) => `w${i % 37} W${i % 11} x`);
    expect(runLocally(wordcount, lines, { partitions: 5 })).toEqual(runLocally(wordcount, lines, { partitions: 1 }));
    expect(runLocally(wordcount, lines, { partitions: 5 })).toEqual(pythonCount(lines.join('\n')));
  });
});

describe('sum-of-squares', () => {
  it('sums x*x exactly: 1..100000 gives 333338333350000', () => {
    const lines = Array.from({ length: 100_000 }, (_, i) => String(i + 1));
    expect(runLocally(sumOfSquares, lines, { partitions: 3 })).toEqual(new Map([['sum', 333338333350000n]]));
  });

  it('is exact beyond 2^53 and accepts signs and padding', () => {
    expect(runLocally(sumOfSquares, [' 9007199254740993 ', '-3', '+4', '']).get('sum')).toBe(9007199254740993n ** 2n + 25n);
  });

  it('rejects a line that is not an integer, naming the text and the line', () => {
    expect(() => runLocally(sumOfSquares, ['1', '2', '3.5'])).toThrow('sum-of-squares map failed: not an integer: "3.5" (at local input line 2)');
  });
});

describe('grep', () => {
  it('keys matching lines by input label and counts repeats', () => {
    const lines = ['error: disk', 'ok', 'ERROR: net', 'error: disk'];
    expect([...runLocally(grep, lines, { params: { pattern: '^error' } })]).toEqual([['local input:error: disk', 2]]);
    expect([...runLocally(grep, lines, { params: { pattern: '^error', ignoreCase: true } })])
      .toEqual([['local input:ERROR: net', 1], ['local input:error: disk', 2]]);
  });

  it('requires a pattern that compiles', () => {
    expect(() => runLocally(grep, [])).toThrow('params.pattern is required (string)');
    try {
      grep.validate!({ pattern: '[', ignoreCase: false });
      throw new Error('expected a throw');
    } catch (error) {
      expect(isInvalidArgumentError(error) && error.field).toBe('spec.params.pattern');
    }
  });
});

describe('inverted-index', () => {
  it('maps each lower-cased word to its sorted unique doc ids', () => {
    const lines = ['d2\tThe cat the', 'd1\tthe Dog', 'd3\tcat', 'd1\tcat'];
    expect([...runLocally(invertedIndex, lines, { partitions: 2 })])
      .toEqual([['cat', ['d1', 'd2', 'd3']], ['dog', ['d1']], ['the', ['d1', 'd2']]]);
  });

  it('rejects a line without a tab', () => {
    expect(() => runLocally(invertedIndex, ['no tab here'])).toThrow(/inverted-index map failed: expected "docId<TAB>text"/);
  });
});

describe('scatter functions', () => {
  const ctx = { params: {}, signal: new AbortController().signal };

  it('count-primes counts primes below n', async () => {
    expect(countPrimesBelow(0)).toBe(0);
    expect(countPrimesBelow(3)).toBe(1);
    expect(await countPrimes.run(100, ctx)).toBe(25);
    expect(await countPrimes.run(100_000, ctx)).toBe(9592);
    expect(() => countPrimes.run(-1, ctx)).toThrow('input must be a non-negative integer, got -1');
  });

  it('echo returns its input', async () => {
    expect(await echo.run({ a: [1] }, ctx)).toEqual({ a: [1] });
    expect(echo.executor).toBe('io');
  });

  it('sleep resolves after the delay and rejects with the abort reason', async () => {
    expect(await sleep.run(5, ctx)).toBe(5);
    const controller = new AbortController();
    const pending = sleep.run(60_000, { params: {}, signal: controller.signal });
    const reason = new Error('stop');
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    await expect(sleep.run(1, { params: {}, signal: AbortSignal.abort('gone') })).rejects.toBe('gone');
  });
});
