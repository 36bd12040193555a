import { parseSize } from './parse-size.js';

describe('parseSize', () => {
  it.each([
    ['4096', 4096],
    ['0', 0],
    ['512KB', 512 * 1024],
    ['50MB', 50 * 1024 * 1024],
    ['50mb', 50 * 1024 * 1024],
    ['2 MiB', 2 * 1024 * 1024],
    ['1.5GB', 1.5 * 1024 ** 3],
    ['3k', 3072],
    ['10B', 10],
  ])('parses %s', (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  it.each(['', 'MB', '-5MB', '5TB', '5 M B', 'abc', '1e6'])('rejects %j', (text) => {
    expect(() => parseSize(text)).toThrow(`invalid size '${text}': expected a number with an optional KB, MB or GB suffix`);
  });
});
