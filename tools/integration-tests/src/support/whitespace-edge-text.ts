/**
 * A small text that an almost-right word count gets wrong: every character Python's `str.split()`
 * treats as whitespace, near misses that are NOT whitespace (ZWSP, BOM, MVS, DEL, NUL), Unicode
 * lower-casing that changes length or depends on context (İ, final sigma, ǅ, ß/ẞ), astral-plane
 * characters, a CR before LF, blank and whitespace-only lines, and no newline at the end. Its
 * expected Python counts are pinned in `reference-word-count.spec.ts`.
 */
export const WHITESPACE_EDGE_TEXT = [
  'Hello,\tWORLD!  hello\x0bworld\x0cHELLO\rworld',
  'a\x1cb\x1dc\x1ed\x1fe\x85f\xa0g\u1680h\u2000i\u2005j\u200ak\u2028l\u2029m\u202fn\u205fo\u3000p',
  'not\u200bsplit not\ufeffsplit not\u180esplit not\x7fsplit not\x00split',
  'Stra\u00dfe STRASSE \u1e9e \u0130stanbul \u039f\u0394\u03a5\u03a3\u03a3\u0395\u03a5\u03a3 \u1f48\u03b4\u03c5\u03c3\u03c3\u03b5\u03cd\u03c2 \u01c5emal \ufb01nance \u6771\u4eac \u00c5NGSTR\u00d6M \u03a3',
  '   leading and trailing\t\t ',
  '',
  'it\'s  don\'t -- ... \'quoted\' "double" e-mail C++ \u{1F600}smile \u{1F600}',
  '\t \x0b\x0c\x1c \u3000',
  'crlf line\r',
  'LAST line without newline',
].join('\n');
