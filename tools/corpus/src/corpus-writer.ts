import { SeededRandom } from './seeded-random.js';
import { buildVocabulary, type Vocabulary } from './vocabulary.js';
import { ZipfSampler } from './zipf-sampler.js';

/**
 * Upper bound on the bytes of one generated line: 22 tokens of at most ~40 bytes, separators,
 * punctuation and the newline. A caller keeps at least this much room free before asking for a line.
 */
export const MAX_LINE_BYTES = 2048;

const SPACE = 0x20;
const TAB = 0x09;
const NEWLINE = 0x0a;
// Whitespace that Python's str.split() and JavaScript's /\s/ both split on but that an ASCII-only
// tokenizer misses: NO-BREAK SPACE and IDEOGRAPHIC SPACE (UTF-8 encoded).
const NBSP = [0xc2, 0xa0];
const IDEOGRAPHIC_SPACE = [0xe3, 0x80, 0x80];
const CLAUSE_PUNCTUATION = [0x2c, 0x2c, 0x2c, 0x2c, 0x3b, 0x3a, 0x2c, 0x2c]; // , ; :
const END_PUNCTUATION = [0x2e, 0x2e, 0x2e, 0x2e, 0x2e, 0x3f, 0x21, 0x2e]; // . ? !

/**
 * Writes English-like lines, one at a time, from a seeded stream. All choices come from one
 * `SeededRandom`, in a fixed order, so the text depends only on the seed and on how many lines were
 * asked for, never on how the caller chunks its buffers: a file written in 8 MB chunks is
 * byte-identical to the same text generated in one string.
 *
 * Per line: 3-19 words (sometimes 1, sometimes an empty line); the first word usually capitalised and
 * a few others too (some all caps); punctuation attached to words; ~1% non-ASCII words; ~0.7%
 * numbers; occasional double spaces, tabs, no-break or ideographic spaces, and trailing spaces.
 */
export class CorpusWriter {
  private readonly random: SeededRandom;
  private readonly zipf: ZipfSampler;
  private readonly vocabulary: Vocabulary;

  /** @param seed the corpus seed; the same seed always yields the same sequence of lines. */
  constructor(seed: number) {
    this.random = new SeededRandom(seed);
    this.vocabulary = buildVocabulary();
    this.zipf = zipfFor(this.vocabulary.zipfWords);
  }

  /**
   * Appends one line (ending in '\n') to `out` at `pos` and returns the position after it.
   * The caller guarantees `out.length - pos >= MAX_LINE_BYTES`.
   */
  writeLine(out: Uint8Array, pos: number): number {
    const random = this.random;
    const shape = random.nextUint32();
    if ((shape & 0x7f) === 0) {
      out[pos] = NEWLINE; // ~0.8% empty lines
      return pos + 1;
    }
    const words = (shape & 0x380) === 0 ? 1 : 3 + ((shape >>> 10) % 10) + ((shape >>> 14) % 8);
    const { pool, offsets, specialStart, specialWords } = this.vocabulary;
    const zipf = this.zipf;
    for (let i = 0; i < words; i++) {
      const r = random.nextUint32();
      if (i > 0) pos = writeSeparator(out, pos, r & 0x3ff);
      // One 32-bit draw decides everything about a word: bits 0-9 the separator before it, 10-19
      // its kind (in 1/1024ths), 20-25 its capitalisation and 26-31 its punctuation (in 1/64ths).
      const kind = (r >>> 10) & 0x3ff;
      const caps = (r >>> 20) & 0x3f;
      const punct = r >>> 26;
      const wrapped = kind >= 17 && kind < 23; // ~0.6%: "quoted" or (parenthesised)
      if (wrapped) out[pos++] = kind < 20 ? 0x22 : 0x28;
      if (kind < 10) {
        const word = specialStart + random.nextInt(specialWords);
        pos = copyWord(pool, offsets[word]!, offsets[word + 1]!, out, pos);
      } else if (kind < 17) {
        pos = writeNumber(out, pos, random.nextInt(i === 0 ? 100 : 2100));
      } else {
        const word = zipf.sample(random);
        const start = pos;
        pos = copyWord(pool, offsets[word]!, offsets[word + 1]!, out, pos);
        // Words are ASCII lower case, so clearing bit 5 upper-cases a byte.
        if (caps === 0 && (kind & 1) === 1) for (let k = start; k < pos; k++) out[k] = out[k]! & 0xdf;
        else if (caps < (i === 0 ? 44 : 3)) out[start] = out[start]! & 0xdf;
      }
      if (wrapped) out[pos++] = kind < 20 ? 0x22 : 0x29;
      if (i === words - 1) {
        if (punct < 56) out[pos++] = END_PUNCTUATION[punct & 7]!;
      } else if (punct >= 60) {
        out[pos++] = CLAUSE_PUNCTUATION[punct & 7]!;
      }
    }
    if ((shape >>> 24) < 5) out[pos++] = SPACE; // ~2%: trailing space
    out[pos++] = NEWLINE;
    return pos;
  }
}

const zipfCache = new Map<number, ZipfSampler>();

/** One sampler per vocabulary size: building its tables costs ~10 ms, sampling state is external. */
function zipfFor(size: number): ZipfSampler {
  let sampler = zipfCache.get(size);
  if (!sampler) {
    sampler = new ZipfSampler(size, 1.0);
    zipfCache.set(size, sampler);
  }
  return sampler;
}

function writeSeparator(out: Uint8Array, pos: number, r: number): number {
  if (r >= 14) {
    out[pos] = SPACE;
    return pos + 1;
  }
  if (r < 8) {
    out[pos] = SPACE;
    out[pos + 1] = SPACE;
    return pos + 2;
  }
  if (r < 12) {
    out[pos] = TAB;
    return pos + 1;
  }
  const bytes = r === 12 ? NBSP : IDEOGRAPHIC_SPACE;
  for (const b of bytes) out[pos++] = b;
  return pos;
}

// A byte loop beats `out.set(pool.subarray(...))` for words of a few bytes: no view allocated per word.
function copyWord(pool: Uint8Array, from: number, to: number, out: Uint8Array, pos: number): number {
  for (let k = from; k < to; k++) out[pos++] = pool[k]!;
  return pos;
}

function writeNumber(out: Uint8Array, pos: number, value: number): number {
  if (value >= 1000) out[pos++] = 0x30 + Math.floor(value / 1000);
  if (value >= 100) out[pos++] = 0x30 + (Math.floor(value / 100) % 10);
  if (value >= 10) out[pos++] = 0x30 + (Math.floor(value / 10) % 10);
  out[pos++] = 0x30 + (value % 10);
  return pos;
}
