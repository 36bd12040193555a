import { parseParams, parseScatterInputs, recordsOfText } from './inputs.js';

describe('recordsOfText', () => {
  it('makes one record per line; a final line break adds none, inner empty lines stay', () => {
    expect(recordsOfText('a b\n\nc\n')).toEqual(['a b', '', 'c']);
    expect(recordsOfText('one')).toEqual(['one']);
    expect(recordsOfText('')).toEqual([]);
  });
});

describe('parseParams', () => {
  it('reads a JSON object; blank is none', () => {
    expect(parseParams(' ')).toEqual({});
    expect(parseParams('{"pattern": "err"}')).toEqual({ pattern: 'err' });
  });

  it('refuses anything else, saying why', () => {
    expect(() => parseParams('[1]')).toThrow('params must be a JSON object, e.g. {"pattern": "error"}');
    expect(() => parseParams('{pattern}')).toThrow(/^params are not valid JSON: /);
  });
});

describe('parseScatterInputs', () => {
  it('reads a JSON array', () => {
    expect(parseScatterInputs(' [100000, {"ms": 5}, "x"] ')).toEqual([100000, { ms: 5 }, 'x']);
  });

  it('reads one item per non-blank line, as JSON when it parses and as a string otherwise', () => {
    expect(parseScatterInputs('100000\n\n  {"ms": 5}\nhello world\n"quoted"\n')).toEqual([100000, { ms: 5 }, 'hello world', 'quoted']);
  });

  it('refuses no items and a broken array', () => {
    expect(() => parseScatterInputs(' \n ')).toThrow('enter at least one item');
    expect(() => parseScatterInputs('[]')).toThrow('enter at least one item');
    expect(() => parseScatterInputs('[1,')).toThrow(/^items are not a valid JSON array: /);
  });
});
