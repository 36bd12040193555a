/**
 * True for the characters Python's `str.split()` splits on (`str.isspace()`): ASCII whitespace,
 * U+001C..U+001F, U+0085, and the Unicode space separators. Differs from JS `\s`, which omits
 * U+001C..U+001F and U+0085 but includes U+FEFF.
 */
export function isPythonSpace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f);
  if (c < 0x85) return false;
  return c === 0x85 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a)
    || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000;
}

/** Splits `text` on runs of whitespace exactly like Python's `text.split()` (no empty tokens). */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  const n = text.length;
  let start = -1;
  for (let i = 0; i < n; i++) {
    if (isPythonSpace(text.charCodeAt(i))) {
      if (start >= 0) {
        words.push(text.slice(start, i));
        start = -1;
      }
    } else if (start < 0) start = i;
  }
  if (start >= 0) words.push(text.slice(start));
  return words;
}
