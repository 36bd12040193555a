import type { ByteCountTable } from './byte-count-table.ts';

/** A word-count result: token total, distinct words and the most frequent words. */
export interface WordCountSummary {
  /** Number of tokens counted (Python's `len(text.lower().split())`). */
  tokens: number;
  /** Number of distinct lower-cased tokens. */
  distinct: number;
  /** The most frequent words, by count descending then word ascending. */
  top: Array<[word: string, count: number]>;
}

/** The counts of a finished word count, over a `ByteCountTable` keyed by UTF-8 bytes. */
export class WordCounts {
  /** Number of tokens counted. */
  readonly tokens: number;
  private readonly table: ByteCountTable;

  /**
   * @param table the counts (owned by this object from now on)
   * @param tokens number of tokens counted
   */
  constructor(table: ByteCountTable, tokens: number) {
    // No parameter properties: this file runs under Node's type stripping, which only erases types.
    this.table = table;
    this.tokens = tokens;
  }

  /** Number of distinct words. */
  get distinct(): number {
    return this.table.size;
  }

  /**
   * The `n` most frequent words, by count descending then word ascending (code unit order).
   * Only keys that can reach the top are decoded to strings.
   */
  top(n: number): Array<[string, number]> {
    const size = this.table.size;
    if (n <= 0 || size === 0) return [];
    const counts = new Float64Array(size);
    for (let e = 0; e < size; e++) counts[e] = this.table.countAt(e);
    const threshold = counts.slice().sort()[Math.max(0, size - n)]!;
    const candidates: Array<[string, number]> = [];
    for (let e = 0; e < size; e++) if (counts[e]! >= threshold) candidates.push([this.table.keyAt(e), counts[e]!]);
    candidates.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return candidates.slice(0, n);
  }

  /** Every word and its count. */
  toMap(): Map<string, number> {
    const map = new Map<string, number>();
    for (let e = 0; e < this.table.size; e++) map.set(this.table.keyAt(e), this.table.countAt(e));
    return map;
  }

  /** Tokens, distinct words and the top `n` words. */
  summary(n = 10): WordCountSummary {
    return { tokens: this.tokens, distinct: this.distinct, top: this.top(n) };
  }
}
