import { ByteCountTable, hashBytes } from './byte-count-table.js';

const encode = (s: string): Uint8Array => new TextEncoder().encode(s);

function addWord(table: ByteCountTable, word: string, count = 1): void {
  const bytes = encode(word);
  table.add(bytes, 0, bytes.length, hashBytes(bytes, 0, bytes.length), count);
}

function contents(table: ByteCountTable): Map<string, number> {
  const map = new Map<string, number>();
  for (let e = 0; e < table.size; e++) map.set(table.keyAt(e), table.countAt(e));
  return map;
}

describe('ByteCountTable', () => {
  it('counts keys, growing far past its initial capacity', () => {
    const table = new ByteCountTable(4);
    const expected = new Map<string, number>();
    for (let i = 0; i < 50_000; i++) {
      const word = `w${i % 20_000}`;
      addWord(table, word);
      expected.set(word, (expected.get(word) ?? 0) + 1);
    }
    expect(table.size).toBe(20_000);
    expect(contents(table)).toEqual(expected);
  });

  it('tells apart keys with the same hash and different bytes', () => {
    const table = new ByteCountTable();
    const a = encode('alpha');
    const b = encode('bravo');
    table.add(a, 0, a.length, 7);
    table.add(b, 0, b.length, 7);
    table.add(a, 0, a.length, 7);
    expect(contents(table)).toEqual(new Map([['alpha', 2], ['bravo', 1]]));
  });

  it('copies keys, so the source buffer can be reused', () => {
    const table = new ByteCountTable();
    const buffer = encode('first');
    table.add(buffer, 0, 5, hashBytes(buffer, 0, 5));
    buffer.set(encode('xxxxx'));
    expect(table.keyAt(0)).toBe('first');
  });

  it('merges an exported table, adding counts of shared keys', () => {
    const left = new ByteCountTable();
    const right = new ByteCountTable();
    addWord(left, 'shared', 2);
    addWord(left, 'left');
    addWord(right, 'shared', 3);
    addWord(right, 'straße', 4);
    const exported = right.export();
    expect(exported.size).toBe(2);
    left.merge(exported);
    expect(contents(left)).toEqual(new Map([['shared', 5], ['left', 1], ['straße', 4]]));
  });
});
