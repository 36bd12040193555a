/**
 * True for the code points Python's `str.split()` (no arguments) splits on: those with
 * `str.isspace()`, i.e. Unicode category Zs or bidirectional class WS, B or S. This is not
 * JavaScript's `\s`: Python also splits on U+001C..U+001F and U+0085, and does not split on U+FEFF.
 */
export function isPythonWhitespace(code: number): boolean {
  if (code <= 0x20) return code === 0x20 || (code >= 0x09 && code <= 0x0d) || code >= 0x1c;
  if (code < 0x85) return false;
  return (
    code === 0x85 ||
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000
  );
}
