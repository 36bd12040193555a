import { ByteReader } from './byte-reader.js';
import { ByteWriter } from './byte-writer.js';

/** A small deterministic PRNG so failures reproduce. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

const reference = new TextDecoder('utf-8', { ignoreBOM: true });

describe('ByteReader.string', () => {
  it('reads back what ByteWriter.string wrote, short and long, ASCII, non-ASCII, astral and a leading BOM', () => {
    const random = lcg(3);
    const pieces = ['a', 'Z', ' ', 'é', '日', '\uE000', '\uFEFF', '\uFFFD', '😀', '\u{10FFFF}'];
    const texts = ['', '\uFEFFword', 'x'.repeat(24), 'x'.repeat(25), `\uFEFF${'y'.repeat(30)}`];
    for (let i = 0; i < 2000; i++) {
      let text = '';
      for (let n = Math.floor(random() * 60); n > 0; n--) text += pieces[Math.floor(random() * pieces.length)]!;
      texts.push(text);
    }
    const out = new ByteWriter(16);
    for (const text of texts) out.string(text);
    const input = new ByteReader(out.bytes.subarray(0, out.length));
    expect(texts.map(() => input.string())).toEqual(texts);
  });

  it('decodes invalid UTF-8 like TextDecoder (U+FFFD replacements), in a view at an offset', () => {
    const random = lcg(5);
    for (let i = 0; i < 500; i++) {
      const length = Math.floor(random() * 60);
      const body = Uint8Array.from({ length }, () => (random() < 0.5 ? 0x61 + Math.floor(random() * 26) : Math.floor(random() * 256)));
      const bytes = new Uint8Array(3 + 1 + length);
      bytes[3] = length; // a one-byte varint: length < 128
      bytes.set(body, 4);
      expect(new ByteReader(bytes.subarray(3), 0).string()).toBe(reference.decode(body));
    }
  });
});
