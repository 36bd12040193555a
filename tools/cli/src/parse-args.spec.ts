import { buildJobSpec, parseCount, parseParams, parseScatterInputs } from './parse-args.js';

describe('parseParams', () => {
  it('parses values as JSON when they parse, else keeps the string', () => {
    expect(parseParams(['n=10', 'flag=true', 'words=["a","b"]', 'pattern=err.*', 'empty=', 'eq=a=b'])).toEqual({
      n: 10,
      flag: true,
      words: ['a', 'b'],
      pattern: 'err.*',
      empty: '',
      eq: 'a=b',
    });
  });

  it('rejects a pair without a key, and a key given twice', () => {
    expect(() => parseParams(['novalue'])).toThrow('--param must look like KEY=VALUE, got "novalue"');
    expect(() => parseParams(['=1'])).toThrow('--param must look like KEY=VALUE, got "=1"');
    expect(() => parseParams(['a=1', 'a=2'])).toThrow('--param a given twice');
  });
});

describe('buildJobSpec', () => {
  it('makes paths absolute, keeps URLs, and gathers --text into one inline input', () => {
    const spec = buildJobSpec('wordcount', { input: ['data/a.txt', '/abs/b.txt', 'https://x.test/c'], text: ['one', 'two'], reducers: '4', param: ['k=1'] }, '/home/u');
    expect(spec).toEqual({
      function: 'wordcount',
      inputs: [{ file: '/home/u/data/a.txt' }, { file: '/abs/b.txt' }, { url: 'https://x.test/c' }, { records: ['one', 'two'] }],
      params: { k: 1 },
      reducers: 4,
      labels: {},
    });
  });

  it('passes attempts, skipping, idempotency key and labels through', () => {
    const spec = buildJobSpec('grep', { text: ['x'], maxAttempts: '2', skipBadRecords: true, idempotencyKey: 'k', label: ['team=search', 'run=7'] }, '/');
    expect(spec).toMatchObject({ maxAttempts: 2, skipBadRecords: true, idempotencyKey: 'k', labels: { team: 'search', run: '7' } });
    expect(() => buildJobSpec('grep', { text: ['x'], label: ['nokey'] }, '/')).toThrow('--label must look like KEY=VALUE, got "nokey"');
  });

  it('takes --upload instead of inputs, and makes --output-dir absolute', () => {
    expect(buildJobSpec('wordcount', { upload: '-', outputDir: 'out' }, '/work')).toMatchObject({ inputs: [], outputDir: '/work/out' });
    expect(buildJobSpec('wordcount', { text: ['a'], outputDir: '/abs' }, '/work').outputDir).toBe('/abs');
  });

  it('requires an input and a whole --reducers >= 1', () => {
    expect(() => buildJobSpec('wordcount', {}, '/')).toThrow('give at least one --input PATH, --text STRING or --upload PATH');
    expect(() => buildJobSpec('wordcount', { text: ['a'], reducers: '0' }, '/')).toThrow('--reducers must be an integer >= 1, got "0"');
    expect(() => buildJobSpec('wordcount', { text: ['a'], reducers: '2.5' }, '/')).toThrow('--reducers must be an integer >= 1, got "2.5"');
  });
});

describe('parseCount and parseScatterInputs', () => {
  it('parses whole numbers and names the option on error', () => {
    expect(parseCount('--limit', '10')).toBe(10);
    expect(() => parseCount('--limit', '-1')).toThrow('--limit must be an integer >= 0, got "-1"');
  });

  it('accepts only a non-empty JSON array', () => {
    expect(parseScatterInputs('[1, {"a": 2}]')).toEqual([1, { a: 2 }]);
    expect(() => parseScatterInputs('[1,')).toThrow('--inputs must be a JSON array, got "[1,"');
    expect(() => parseScatterInputs('[]')).toThrow('--inputs must be a non-empty JSON array');
    expect(() => parseScatterInputs('{"a":1}')).toThrow('--inputs must be a non-empty JSON array');
  });
});
