import { defineJob } from '../definitions.js';
import { splitWords } from './split-words.js';

/**
 * Builds an inverted index: each line is `docId<TAB>text`; emits (word, docId) once per distinct
 * lower-cased word of the text (words split like wordcount). Result per word: the sorted, unique
 * array of doc ids containing it. A line without a tab throws (skip it with skipBadRecords); blank lines are ignored.
 */
export const invertedIndex = defineJob<string, string[]>({
  name: 'inverted-index',
  description: 'Maps each lower-cased word to the sorted doc ids containing it; lines are "docId<TAB>text".',
  params: {},
  values: 'json',
  results: 'json',
  map(line, emit) {
    const tab = line.indexOf('\t');
    if (tab < 0) {
      if (line.trim() === '') return;
      throw new Error(`expected "docId<TAB>text", got ${JSON.stringify(line.length > 60 ? `${line.slice(0, 60)}…` : line)}`);
    }
    const docId = line.slice(0, tab);
    for (const word of new Set(splitWords(line.slice(tab + 1).toLowerCase()))) emit(word, docId);
  },
  reduce(_key, values) {
    return [...new Set(values)].sort();
  },
});
