import { readFile } from 'node:fs/promises';

/**
 * One run of the characters Python's `str.split()` splits on (`str.isspace()` is true): ASCII
 * whitespace, the separators U+001C..U+001F, NEL, NBSP and Unicode's space separators. Spelled out
 * code point by code point on purpose: JavaScript's `\s` differs (it lacks U+001C..U+001F and U+0085
 * and has U+FEFF), and the product uses a hand-written character loop, so this regex-based count
 * is an independent reading of the same rule.
 */
const PYTHON_WHITESPACE_RUN =
  /[\t\n\v\f\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000]+/u;

/**
 * Counts words the way Python's `text.lower().split()` does, in this process: each `\n`-separated
 * line is lower-cased with `toLowerCase` (Unicode default case mapping, as Python's `str.lower`),
 * then split on runs of Python whitespace; punctuation stays attached. Adds into `counts`.
 */
export function referenceWordCount(text: string, counts: Map<string, number> = new Map()): Map<string, number> {
  for (const line of text.split('\n')) {
    for (const token of line.toLowerCase().split(PYTHON_WHITESPACE_RUN)) {
      // split() yields '' before leading and after trailing whitespace: those are not words.
      if (token !== '') counts.set(token, (counts.get(token) ?? 0) + 1);
    }
  }
  return counts;
}

/** `referenceWordCount` over the UTF-8 contents of several files, as one job over all of them would count. */
export async function referenceWordCountOfFiles(paths: readonly string[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const path of paths) referenceWordCount(await readFile(path, 'utf8'), counts);
  return counts;
}

/**
 * The inverted index of "docId<TAB>text" lines, computed independently of Weft: each word (tokenized
 * as {@link referenceWordCount} does) with the sorted ids of the documents containing it.
 */
export function referenceInvertedIndex(docsText: string): Map<string, string[]> {
  const docsOf = new Map<string, Set<string>>();
  for (const line of docsText.split('\n')) {
    const tab = line.indexOf('\t');
    for (const word of referenceWordCount(line.slice(tab + 1)).keys()) {
      const docs = docsOf.get(word) ?? new Set<string>();
      docs.add(line.slice(0, tab));
      docsOf.set(word, docs);
    }
  }
  return new Map([...docsOf].map(([word, docs]) => [word, [...docs].sort()]));
}

/** Compares two strings by their UTF-8 bytes (the order of `ReadResults` with order KEY). */
export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** The `n` largest counts, descending by count, ties by ascending key (UTF-8 byte order). */
export function topByValue(counts: ReadonlyMap<string, number>, n: number): { key: string; value: number }[] {
  return [...counts]
    .sort(([ka, va], [kb, vb]) => vb - va || compareUtf8(ka, kb))
    .slice(0, n)
    .map(([key, value]) => ({ key, value }));
}

/** How a job's counts differ from the reference; every list empty (and the sizes equal) means identical. */
export interface CountsDiff {
  readonly expectedKeys: number;
  readonly actualKeys: number;
  /** Keys the reference has and the job lacks (first 10). */
  readonly missing: readonly string[];
  /** Keys the job has and the reference lacks (first 10). */
  readonly unexpected: readonly string[];
  /** Keys with different counts (first 10). */
  readonly wrong: readonly { key: string; expected: number; actual: number }[];
  /** Totals of the three lists above before truncation. */
  readonly totals: { missing: number; unexpected: number; wrong: number };
}

/**
 * Compares every key and count. Returns a small summary rather than letting jest diff two maps of
 * 100,000+ entries, so a failure shows the first offending keys.
 */
export function diffCounts(expected: ReadonlyMap<string, number>, actual: ReadonlyMap<string, number>): CountsDiff {
  const missing: string[] = [];
  const wrong: { key: string; expected: number; actual: number }[] = [];
  for (const [key, count] of expected) {
    const got = actual.get(key);
    if (got === undefined) missing.push(key);
    else if (got !== count) wrong.push({ key, expected: count, actual: got });
  }
  const unexpected = [...actual.keys()].filter((key) => !expected.has(key));
  return {
    expectedKeys: expected.size,
    actualKeys: actual.size,
    missing: missing.slice(0, 10),
    unexpected: unexpected.slice(0, 10),
    wrong: wrong.slice(0, 10),
    totals: { missing: missing.length, unexpected: unexpected.length, wrong: wrong.length },
  };
}

/** The diff of two identical count maps of `size` keys: what `diffCounts` must equal. */
export function noDifferences(size: number): CountsDiff {
  return { expectedKeys: size, actualKeys: size, missing: [], unexpected: [], wrong: [], totals: { missing: 0, unexpected: 0, wrong: 0 } };
}
