// A user function module, as nodes load them from configuration.
import { defineFunction, defineJob } from '../definitions.js';

export const shout = defineJob<number, number>({
  name: 'shout',
  description: 'counts upper-cased lines',
  params: {},
  values: 'int',
  results: 'int',
  map: (line, emit) => emit(line.toUpperCase(), 1),
  combine: (a, b) => a + b,
  reduce: (_key, values) => values.reduce((a, b) => a + b, 0),
});

export const double = defineFunction<number, number>({
  name: 'double',
  description: 'doubles a number',
  params: {},
  executor: 'cpu',
  run: (input) => input * 2,
});

export default shout;
export const notADefinition = { kind: 'other', name: 'x' };
