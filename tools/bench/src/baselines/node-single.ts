import { statSync } from 'node:fs';
import { ByteCountTable } from './byte-count-table.ts';
import { countWordsInFileRange } from './count-file-range.ts';
import { countWords } from './count-words.ts';
import { WordCounts } from './word-counts.ts';

/**
 * Baseline: the fast single-thread Node word count a user would write by hand. Byte scan over 4 MB
 * chunks, ASCII lower-casing in place, a hash table keyed by bytes, and an exact slow path for
 * non-ASCII tokens; the result equals Python's `text.lower().split()` counts.
 */
export function countWordsInFile(path: string): WordCounts {
  const table = new ByteCountTable();
  const tokens = countWordsInFileRange(table, path, 0, statSync(path).size);
  return new WordCounts(table, tokens);
}

/** The same count over text already in memory. `bytes` is lower-cased in place (ASCII letters). */
export function countWordsInBuffer(bytes: Uint8Array): WordCounts {
  const table = new ByteCountTable();
  const tokens = countWords(table, bytes, 0, bytes.length);
  return new WordCounts(table, tokens);
}
