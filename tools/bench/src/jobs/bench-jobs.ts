// The bench's own job module: every service of a shuffle-scenario cluster loads it through
// WEFT_FUNCTION_MODULES (jobs are registered on every node; no code travels in a request).
import { defineJob } from '@weft/jobs';

/** Number of keys `bench-shuffle` spreads lines over. */
export const SHUFFLE_BUCKETS = 256;

/** The bucket key of a line: FNV-1a of its first 16 UTF-16 code units, modulo 256. */
export function bucketOf(line: string): string {
  let h = 0x811c9dc5;
  const n = Math.min(line.length, 16);
  for (let i = 0; i < n; i++) h = Math.imul(h ^ line.charCodeAt(i), 0x01000193);
  return `b${(h >>> 0) % SHUFFLE_BUCKETS}`;
}

/**
 * A job whose map output is as large as its input, to measure the shuffle (issue 7 scenario (g)):
 * map emits every line whole as the value of one of 256 bucket keys, with no combiner, so all the
 * input crosses from mappers to reducers; reduce counts the lines of its bucket, so the results
 * stay tiny and the reduce phase is fetch + merge + decode.
 */
export const benchShuffle = defineJob<string, number>({
  name: 'bench-shuffle',
  description: 'Bench: every line shuffled whole (256 bucket keys, no combiner); reduce counts lines per bucket.',
  params: {},
  values: 'json',
  results: 'int',
  map(line, emit) {
    emit(bucketOf(line), line);
  },
  reduce(_key, values) {
    return values.length;
  },
});
