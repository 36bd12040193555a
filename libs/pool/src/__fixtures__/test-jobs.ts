// Job and function fixtures the pool tests load into real worker threads via `functionModules`.
// Plain erasable TypeScript importing only packages, so Node runs it without a build step.
import { defineFunction, defineJob } from '@weft/jobs';

/** Counts lines; throws on a line that says "boom", spins forever on "spin", kills its thread on "crash". */
export const trouble = defineJob<number, number>({
  name: 'trouble',
  description: 'misbehaves on demand',
  params: {},
  values: 'int',
  results: 'int',
  map(line, emit, ctx) {
    if (line === 'boom') throw new Error('exploded');
    if (line === 'spin') for (;;) ctx.counter('spins');
    if (line === 'crash') process.exit(7);
    emit(line, 1);
  },
  combine: (a, b) => a + b,
  reduce: (_key, values) => values.reduce((a, b) => a + b, 0),
});

/** Doubles a number after burning the given milliseconds of CPU. */
export const slowDouble = defineFunction<number, number>({
  name: 'slow-double',
  description: 'doubles its input after a busy wait of params.ms',
  params: { ms: { type: 'integer', default: 0, description: 'busy wait in ms' } },
  executor: 'cpu',
  run(input, { params }) {
    const until = Date.now() + (params['ms'] as number);
    while (Date.now() < until) { /* burn CPU like a real cpu task */ }
    return input * 2;
  },
});

/** Fails the way user code does: "throw" throws a plain Error, "fn" returns a function (not cloneable). */
export const misbehave = defineFunction<string, unknown>({
  name: 'misbehave',
  description: 'throws or returns something that cannot cross threads',
  params: {},
  executor: 'cpu',
  run(input) {
    if (input === 'throw') throw new Error('user bug');
    return { callback: () => input };
  },
});
