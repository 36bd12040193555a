import { defineJob } from '../definitions.js';

const integer = /^[+-]?\d+$/;

/**
 * Sums x*x exactly (bigint) over integer lines: each non-blank line, trimmed, must be a decimal
 * integer (a line that is not throws an Error naming it). Emits key `sum`; 1..100000 gives
 * 333338333350000n.
 */
export const sumOfSquares = defineJob<bigint, bigint>({
  name: 'sum-of-squares',
  description: 'Sums the squares of integer lines exactly (one integer per line).',
  params: {},
  values: 'bigint',
  results: 'bigint',
  map(line, emit) {
    const text = line.trim();
    if (text === '') return;
    if (!integer.test(text)) throw new Error(`not an integer: ${JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text)}`);
    const x = BigInt(text);
    emit('sum', x * x);
  },
  combine: (a, b) => a + b,
  reduce(_key, values) {
    let sum = 0n;
    for (const v of values) sum += v;
    return sum;
  },
});
