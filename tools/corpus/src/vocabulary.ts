import { SeededRandom } from './seeded-random.js';

/**
 * The most frequent English words, in rough frequency order. They take the top Zipf ranks so the
 * top of a word count looks like English ("the", "of", "and") rather than noise.
 */
const COMMON_WORDS = (
  'the of and to a in is that it was for on are as with his they be at one have this from or had by ' +
  'not word but what some we can out other were all there when up use your how said an each she which ' +
  'do their time if will way about many then them write would like so these her long make thing see ' +
  'him two has look more day could go come did number sound no most people my over know water than ' +
  'call first who may down side been now find any new work part take get place made live where after ' +
  'back little only round man year came show every good me give our under name very through just form ' +
  'sentence great think say help low line differ turn cause much mean before move right boy old too ' +
  'same tell does set three want air well also play small end put home read hand port large spell add'
).split(' ');

/**
 * Non-ASCII words mixed into the text. Each one exercises a Unicode rule that an ASCII-only word
 * count gets wrong: multi-byte UTF-8, upper case outside ASCII, the Greek final sigma, a lower-case
 * mapping that changes length (İ → i̇), the title-case digraph ǅ, scripts without case (CJK), and a
 * ligature with no lower-case form. JavaScript's `toLowerCase` and Python's `str.lower` agree on all
 * of them (the word-count specs check this against python3).
 */
export const SPECIAL_WORDS: readonly string[] = [
  'Straße', 'STRASSE', 'ẞ', 'ÉCOLE', 'école', 'naïve', 'NAÏVE', 'café', 'Café', 'façade', 'München',
  'Ærøskøbing', 'Ὀδυσσεύς', 'ΟΔΥΣΣΕΥΣ', 'Ωμέγα', 'Привет', 'МОСКВА', 'İstanbul', 'ǅemal', 'ﬁnance',
  '東京', '北京大学', '日本語', '한국어', '数据处理', 'Zürich', 'ÅNGSTRÖM', 'señor', 'SEÑOR', 'Ελλάδα',
];

const ONSETS = 'b c d f g h j k l m n p r s t v w y z bl br ch cl cr dr fl fr gl gr pl pr sc sh sk sl sm sn sp st str sw th tr wh'.split(' ');
const NUCLEI = 'a e i o u a e i o u ai ea ee ie oo ou y'.split(' ');
const CODAS = ' n r s t l m nd ng st ck rd sh th x ll'.split(' ');

/**
 * Every word the generator can emit, encoded once as UTF-8 into one byte pool so the hot loop copies
 * bytes instead of concatenating strings. Word i occupies `pool[offsets[i] .. offsets[i + 1])`.
 * Ranks `0 .. zipfWords - 1` are the Zipf-distributed words (ASCII lower case); the
 * `SPECIAL_WORDS` follow them.
 */
export interface Vocabulary {
  /** UTF-8 bytes of every word, back to back. */
  readonly pool: Uint8Array;
  /** Start offset of each word in `pool`, plus one final entry (the pool length). */
  readonly offsets: Int32Array;
  /** How many Zipf-ranked words come first. */
  readonly zipfWords: number;
  /** Index of the first special (non-ASCII) word; the rest of the vocabulary. */
  readonly specialStart: number;
  /** How many special words follow. */
  readonly specialWords: number;
  /** The words as strings, in vocabulary order (for tests and reports). */
  readonly words: readonly string[];
}

/** Default number of Zipf-ranked words: tens of thousands, like a real corpus's active vocabulary. */
export const DEFAULT_VOCABULARY_SIZE = 50_000;

/** Fixed seed for the word list, so every corpus seed draws from the same vocabulary. */
const VOCABULARY_SEED = 0x5eed_f00d;

const cache = new Map<number, Vocabulary>();

/**
 * Builds (once per size, then cached) the vocabulary: the common English words, then generated
 * pronounceable words of one to four syllables, rarer ranks getting longer words (as in English).
 *
 * @param size number of Zipf-ranked words; default 50,000
 * @throws RangeError when size is smaller than the common-word list
 */
export function buildVocabulary(size = DEFAULT_VOCABULARY_SIZE): Vocabulary {
  const cached = cache.get(size);
  if (cached) return cached;
  if (!Number.isInteger(size) || size < COMMON_WORDS.length) {
    throw new RangeError(`buildVocabulary: size must be an integer >= ${COMMON_WORDS.length}, got ${size}`);
  }
  const random = new SeededRandom(VOCABULARY_SEED);
  const seen = new Set<string>(COMMON_WORDS);
  const words = [...COMMON_WORDS];
  const pick = (list: readonly string[]): string => list[random.nextInt(list.length)]!;
  while (words.length < size) {
    // log-ish growth of length with rank: frequent words are short (Zipf's law of abbreviation).
    const maxSyllables = words.length < 2_000 ? 2 : words.length < 15_000 ? 3 : 4;
    const syllables = 1 + random.nextInt(maxSyllables);
    let word = '';
    for (let i = 0; i < syllables; i++) word += pick(ONSETS) + pick(NUCLEI) + pick(CODAS);
    if (!seen.has(word)) {
      seen.add(word);
      words.push(word);
    }
  }
  const all = [...words, ...SPECIAL_WORDS];
  const encoded = all.map((w) => Buffer.from(w, 'utf8'));
  const offsets = new Int32Array(all.length + 1);
  let total = 0;
  encoded.forEach((bytes, i) => {
    offsets[i] = total;
    total += bytes.length;
  });
  offsets[all.length] = total;
  const pool = new Uint8Array(total);
  encoded.forEach((bytes, i) => pool.set(bytes, offsets[i]!));
  const vocabulary: Vocabulary = {
    pool,
    offsets,
    zipfWords: size,
    specialStart: size,
    specialWords: SPECIAL_WORDS.length,
    words: all,
  };
  cache.set(size, vocabulary);
  return vocabulary;
}
