import { defineFunction } from '../definitions.js';

/** Scatter function (io): returns its input unchanged. */
export const echo = defineFunction<unknown, unknown>({
  name: 'echo',
  description: 'Returns its input unchanged.',
  params: {},
  executor: 'io',
  idempotent: true,
  run: (input) => input,
});
