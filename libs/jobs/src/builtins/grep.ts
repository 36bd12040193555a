import { InvalidArgumentError } from '@weft/errors';
import { defineJob } from '../definitions.js';

// One compiled RegExp per params object: params are fixed for a whole task.
const compiled = new WeakMap<Record<string, unknown>, RegExp>();

function regexOf(params: Record<string, unknown>): RegExp {
  let regex = compiled.get(params);
  if (!regex) {
    regex = new RegExp(params['pattern'] as string, params['ignoreCase'] ? 'i' : '');
    compiled.set(params, regex);
  }
  return regex;
}

/**
 * Finds lines matching a JavaScript regular expression (`pattern`, no flags; `ignoreCase` adds `i`).
 * Key: `${inputLabel}:${line}` for each matching line; value: how many times that exact line
 * matched in that input (`int`, combine/reduce sum). Results come back ordered by key, i.e. by
 * input label then line text, not by line number.
 */
export const grep = defineJob<number, number>({
  name: 'grep',
  description: 'Lines matching a regular expression; key is "<input>:<line>", value how often it occurs.',
  params: {
    pattern: { type: 'string', required: true, description: 'JavaScript regular expression (without slashes)' },
    ignoreCase: { type: 'boolean', default: false, description: 'match case-insensitively' },
  },
  values: 'int',
  results: 'int',
  validate(params) {
    try {
      new RegExp(params['pattern'] as string, params['ignoreCase'] ? 'i' : '');
    } catch (error) {
      throw new InvalidArgumentError('spec.params.pattern', `is not a valid regular expression: ${(error as Error).message}`);
    }
  },
  map(line, emit, ctx) {
    if (regexOf(ctx.params).test(line)) emit(`${ctx.inputLabel}:${line}`, 1);
  },
  combine: (a, b) => a + b,
  reduce(_key, values) {
    let sum = 0;
    for (const v of values) sum += v;
    return sum;
  },
});
