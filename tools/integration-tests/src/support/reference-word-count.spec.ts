import { compareUtf8, diffCounts, noDifferences, referenceWordCount, topByValue } from './reference-word-count.js';
import { WHITESPACE_EDGE_TEXT } from './whitespace-edge-text.js';

// The integration specs trust this reference, so it is itself checked against Python.
describe('referenceWordCount', () => {
  it('agrees with python3 `collections.Counter(text.lower().split())` on the whitespace edge text', () => {
    // Printed by CPython 3.11 from the same text (json.dumps(sorted(Counter(t.lower().split()).items()))).
    const python: [string, number][] = [
      ['"double"', 1], ["'quoted'", 1], ['--', 1], ['...', 1], ['a', 1], ['and', 1], ['b', 1], ['c', 1],
      ['c++', 1], ['crlf', 1], ['d', 1], ["don't", 1], ['e', 1], ['e-mail', 1], ['f', 1], ['g', 1], ['h', 1],
      ['hello', 2], ['hello,', 1], ['i', 1], ["it's", 1], ['i\u0307stanbul', 1], ['j', 1], ['k', 1], ['l', 1],
      ['last', 1], ['leading', 1], ['line', 2], ['m', 1], ['n', 1], ['newline', 1], ['not\u0000split', 1],
      ['not\u007fsplit', 1], ['not\u180esplit', 1], ['not\u200bsplit', 1], ['not\ufeffsplit', 1], ['o', 1],
      ['p', 1], ['strasse', 1], ['stra\u00dfe', 1], ['trailing', 1], ['without', 1], ['world', 2],
      ['world!', 1], ['\u00df', 1], ['\u00e5ngstr\u00f6m', 1], ['\u01c6emal', 1],
      ['\u03bf\u03b4\u03c5\u03c3\u03c3\u03b5\u03c5\u03c2', 1], ['\u03c3', 1],
      ['\u1f40\u03b4\u03c5\u03c3\u03c3\u03b5\u03cd\u03c2', 1], ['\u6771\u4eac', 1], ['\ufb01nance', 1],
      ['\ud83d\ude00', 1], ['\ud83d\ude00smile', 1],
    ];
    const counts = referenceWordCount(WHITESPACE_EDGE_TEXT);
    expect(diffCounts(new Map(python), counts)).toEqual(noDifferences(54));
    expect([...counts.values()].reduce((a, b) => a + b, 0)).toBe(57);
  });

  it('adds into an existing map and ignores empty lines and whitespace-only lines', () => {
    const counts = referenceWordCount('A a\n\n \t\n', new Map([['a', 3]]));
    expect([...counts]).toEqual([['a', 5]]);
  });

  it('orders the top by count, then by UTF-8 bytes of the key (not UTF-16 code units)', () => {
    // A pair where the two orders disagree: in UTF-16 code units U+FF61 (0xFF61) sorts after the
    // surrogate 0xD83D of U+1F600; in UTF-8 bytes EF BD A1 sorts before F0 9F 98 80.
    const astral = '\u{1F600}';
    const bmpHigh = '\uFF61';
    expect(compareUtf8(bmpHigh, astral)).toBeLessThan(0);
    expect(bmpHigh < astral).toBe(false);
    const counts = new Map([[astral, 2], [bmpHigh, 2], ['z', 5], ['b', 1]]);
    expect(topByValue(counts, 3)).toEqual([
      { key: 'z', value: 5 },
      { key: bmpHigh, value: 2 },
      { key: astral, value: 2 },
    ]);
  });

  it('reports missing, unexpected and wrong keys', () => {
    const diff = diffCounts(new Map([['a', 1], ['b', 2]]), new Map([['b', 3], ['c', 1]]));
    expect(diff).toEqual({
      expectedKeys: 2,
      actualKeys: 2,
      missing: ['a'],
      unexpected: ['c'],
      wrong: [{ key: 'b', expected: 2, actual: 3 }],
      totals: { missing: 1, unexpected: 1, wrong: 1 },
    });
  });
});
