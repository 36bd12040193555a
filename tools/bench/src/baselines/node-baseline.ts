// Imports in baselines/ end in `.ts` (tsc rewrites them to `.js`): these files also run straight
// from source, in worker threads and child processes that jest's module mapping does not reach.
import { countWordsInFile } from './node-single.ts';
import { countWordsInFileThreaded } from './node-threads.ts';
import { countPrimesSequential, countPrimesThreaded } from './primes.ts';

/** The Node baselines this entry can run, with their positional arguments. */
export const NODE_BASELINES = {
  'wordcount-single': 'FILE',
  'wordcount-threads': 'FILE [THREADS]',
  'primes-sequential': 'N TASKS',
  'primes-threads': 'N TASKS [THREADS]',
} as const;

/** Runs a baseline and returns its JSON-ready result; `elapsedMs` covers reading input to final answer. */
export async function runNodeBaseline(name: string, args: readonly string[]): Promise<Record<string, unknown>> {
  const started = performance.now();
  const int = (index: number, fallback?: number): number => {
    const value = args[index] === undefined ? fallback : Number(args[index]);
    if (value === undefined || !Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(`${name}: argument ${index + 1} must be a non-negative integer, got ${args[index]}`);
    }
    return value;
  };
  let result: Record<string, unknown>;
  switch (name) {
    case 'wordcount-single':
      result = countWordsInFile(args[0]!).summary(10) as unknown as Record<string, unknown>;
      break;
    case 'wordcount-threads':
      result = { ...(await countWordsInFileThreaded(args[0]!, int(1, 2))).summary(10), threads: int(1, 2) };
      break;
    case 'primes-sequential':
      result = { counts: countPrimesSequential(new Array<number>(int(1)).fill(int(0))) };
      break;
    case 'primes-threads':
      result = { counts: await countPrimesThreaded(new Array<number>(int(1)).fill(int(0)), int(2, 2)), threads: int(2, 2) };
      break;
    default:
      throw new RangeError(`unknown baseline '${name}'; expected one of ${Object.keys(NODE_BASELINES).join(', ')}`);
  }
  const elapsedMs = performance.now() - started;
  return { baseline: name, elapsedMs, ...result, maxRssKb: process.resourceUsage().maxRSS };
}
