import { isInvalidArgumentError } from '@weft/errors';
import { validateParams, type ParamsSchema } from './params.js';
import { prepareParams } from './prepare-params.js';
import { grep } from './builtins/grep.js';
import { wordcount } from './builtins/wordcount.js';

const schema: ParamsSchema = {
  pattern: { type: 'string', required: true, description: 'regex' },
  ignoreCase: { type: 'boolean', default: false, description: 'flag' },
  limit: { type: 'integer', min: 1, max: 100, default: 10, description: 'n' },
  ratio: { type: 'number', min: 0, description: 'r' },
  tags: { type: 'string[]', description: 't' },
};

function errorOf(fn: () => unknown): { field: string; message: string } {
  try {
    fn();
  } catch (error) {
    if (isInvalidArgumentError(error)) return { field: error.field, message: error.message };
    throw error;
  }
  throw new Error('expected an InvalidArgumentError');
}

describe('validateParams', () => {
  it('fills defaults and keeps given values', () => {
    expect(validateParams(schema, { pattern: 'x' })).toEqual({ pattern: 'x', ignoreCase: false, limit: 10 });
    expect(validateParams(schema, { pattern: 'x', ignoreCase: true, limit: 5, ratio: 0.5, tags: ['a'] }))
      .toEqual({ pattern: 'x', ignoreCase: true, limit: 5, ratio: 0.5, tags: ['a'] });
  });

  it('treats undefined and null as no params', () => {
    expect(validateParams({}, undefined)).toEqual({});
    expect(validateParams({}, null)).toEqual({});
    expect(validateParams({ a: { type: 'integer', default: 3, description: '' } }, { a: null })).toEqual({ a: 3 });
  });

  it('names the field and the problem', () => {
    expect(errorOf(() => validateParams(schema, { pattern: 42 }, 'spec.params')))
      .toEqual({ field: 'spec.params.pattern', message: 'spec.params.pattern must be a string, got 42' });
    expect(errorOf(() => validateParams(schema, {}, 'spec.params')).message).toBe('spec.params.pattern is required (string)');
    expect(errorOf(() => validateParams(schema, { pattern: 'x', limit: 2.5 })).message).toBe('params.limit must be an integer, got 2.5');
    expect(errorOf(() => validateParams(schema, { pattern: 'x', limit: 0 })).message).toBe('params.limit must be between 1 and 100, got 0');
    expect(errorOf(() => validateParams(schema, { pattern: 'x', ratio: -1 })).message).toBe('params.ratio must be >= 0, got -1');
    expect(errorOf(() => validateParams(schema, { pattern: 'x', ignoreCase: 'yes' })).message).toBe('params.ignoreCase must be a boolean, got "yes"');
    expect(errorOf(() => validateParams(schema, { pattern: 'x', tags: ['a', 1] })).field).toBe('params.tags[1]');
    expect(errorOf(() => validateParams(schema, [])).message).toBe('params must be an object, got an array');
  });

  it('rejects unknown parameter names', () => {
    expect(errorOf(() => validateParams({}, { foo: 1 }, 'spec.params', 'wordcount')))
      .toEqual({ field: 'spec.params.foo', message: 'spec.params.foo is not a parameter of wordcount (it takes none)' });
    expect(errorOf(() => validateParams(schema, { pattern: 'x', patern: 'y' })).message)
      .toBe('params.patern is not a parameter (known: pattern, ignoreCase, limit, ratio, tags)');
  });

  it('accepts the text form of numbers and booleans (CLI --param K=V)', () => {
    expect(validateParams(schema, { pattern: 'x', limit: '7', ignoreCase: 'true', ratio: '0.25' }))
      .toEqual({ pattern: 'x', limit: 7, ignoreCase: true, ratio: 0.25 });
    expect(errorOf(() => validateParams(schema, { pattern: 'x', limit: 'seven' })).message).toBe('params.limit must be an integer, got "seven"');
  });
});

describe('prepareParams', () => {
  it('runs the job-specific validation: grep patterns must compile', () => {
    expect(prepareParams(grep, { pattern: 'a+b' })).toEqual({ pattern: 'a+b', ignoreCase: false });
    const error = errorOf(() => prepareParams(grep, { pattern: '(' }));
    expect(error.field).toBe('spec.params.pattern');
    expect(error.message).toMatch(/^spec\.params\.pattern is not a valid regular expression: /);
  });

  it('names the job for unknown params', () => {
    expect(errorOf(() => prepareParams(wordcount, { foo: 1 })).message).toBe('spec.params.foo is not a parameter of wordcount (it takes none)');
  });
});
