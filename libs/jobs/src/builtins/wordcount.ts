import { defineJob } from '../definitions.js';
import { isPythonSpace } from './split-words.js';
import { countWordsInBytes, countWordsInBytesSorted } from './wordcount-bytes.js';

/**
 * Counts words: each line is lower-cased (`toLowerCase`, Unicode default case mapping) and split on
 * runs of whitespace, punctuation staying attached — exactly Python's `text.lower().split()`.
 * Values and results are `int`; combine and reduce sum.
 */
export const wordcount = defineJob<number, number>({
  name: 'wordcount',
  description: 'Counts each whitespace-separated, lower-cased token (like Python text.lower().split()).',
  params: {},
  values: 'int',
  results: 'int',
  map: wordcountMap,
  // The same counts without a JS string per token; runSorted keeps a thread's keys sorted across tasks (see wordcount-bytes.ts).
  mapBytes: {
    map: wordcountMap,
    combine: add,
    run: (input) => countWordsInBytes(input),
    runSorted: (input, _ctx, partitions) => countWordsInBytesSorted(input, partitions),
  },
  combine: add,
  reduce(_key, values) {
    let sum = 0;
    for (const v of values) sum += v;
    return sum;
  },
});

function add(a: number, b: number): number {
  return a + b;
}

/** wordcount's map: `line.toLowerCase()` split like Python's str.split(), each token emitted with 1. */
function wordcountMap(line: string, emit: (key: string, value: number) => void): void {
  const text = line.toLowerCase();
  const n = text.length;
  let start = -1;
  // Inlined tokenizer: the hot loop of the benchmark, so no per-line array or closure.
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    const space = c <= 0x20 ? c === 0x20 || (c >= 0x09 && c <= 0x0d) || c >= 0x1c : c >= 0x85 && isPythonSpace(c);
    if (space) {
      if (start >= 0) {
        emit(text.slice(start, i), 1);
        start = -1;
      }
    } else if (start < 0) start = i;
  }
  if (start >= 0) emit(start === 0 ? text : text.slice(start), 1);
}
