// The simplest possible statement of the lesson's semantics, `text.lower().split()`, kept apart from
// the baselines it checks: lower-case the whole text, then split on Python's whitespace, listed
// here code point by code point from `[c for c in range(0x110000) if chr(c).isspace()]`.
const PYTHON_WHITESPACE = new Set([
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003,
  0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
]);

/** The code points Python's `str.split()` splits on (for tests that compare with python3). */
export const PYTHON_WHITESPACE_CODE_POINTS: readonly number[] = [...PYTHON_WHITESPACE];

/** Word counts of `text` exactly as Python's `collections.Counter(text.lower().split())`. */
export function referenceWordCount(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  let word = '';
  const flush = (): void => {
    if (word) counts.set(word, (counts.get(word) ?? 0) + 1);
    word = '';
  };
  for (const ch of text.toLowerCase()) {
    if (PYTHON_WHITESPACE.has(ch.codePointAt(0)!)) flush();
    else word += ch;
  }
  flush();
  return counts;
}

/** Lines that break word counts which are not exactly Python's `str.lower().split()`. */
export const TRICKY_TEXT = [
  'ΟΔΥΣΣΕΥΣ ΣΑΣ Σ ΑΣ. Ὀδυσσεύς', // Greek final sigma depends on context
  'İstanbul İ ǅemal ǈ ǋ', // lower-casing that changes length; title-case digraphs
  'ẞ Straße STRASSE ÉCOLE école Ecole naïve NAÏVE',
  'K Kelvin Å Ångström ﬁnance ﬀ', // Kelvin sign lower-cases to ASCII 'k'; ligatures have no lower case
  'a\u00a0b c\u3000d e\u2028f g\u2029h i\u2000j k\u205fl', // non-ASCII whitespace (Python and JS agree)
  'x\u0085y p\u001cq r\u001fs', // Python splits on these, JavaScript's \s does not
  'bom\ufeffword \ufeff zero\u200bwidth', // JavaScript's \s splits on U+FEFF, Python does not
  '𝐀𝐁𝐂 😀 Emoji 😀 東京 日本語 한국어',
  'tabs\tand\vvertical\fform\rcarriage',
  '   leading and trailing   ',
  '',
  'MiXeD CaSe mixed case, punctuation. stays: attached!',
  'crlf line\r',
  'the end',
].join('\n');
