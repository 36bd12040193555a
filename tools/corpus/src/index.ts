// @weft/corpus: deterministic, seeded, Zipf-distributed English-like text for word-count demos,
// tests and benchmarks.
export {
  DEFAULT_SEED,
  generateCorpusChunks,
  generateCorpusFile,
  generateCorpusFiles,
  generateCorpusText,
} from './generate-corpus.js';
export type { CorpusFileInfo, CorpusOptions } from './generate-corpus.js';
export { ensureCorpusFile } from './ensure-corpus-file.js';
export { parseSize } from './parse-size.js';
export { SPECIAL_WORDS } from './vocabulary.js';
