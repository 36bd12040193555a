import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { JobSpecInit } from '@weft/client';
import { JobState } from '@weft/client';
import { generateCorpusFile } from '@weft/corpus';
import { useClusterSuite } from './support/cluster-suite.js';
import { phaseSummary } from './support/job-checks.js';
import { countsOf, readAll } from './support/read-results.js';
import { rejectionOf } from './support/rejection-of.js';
import type { Rejection } from './support/rejection-of.js';
import { diffCounts, noDifferences, referenceWordCountOfFiles, topByValue } from './support/reference-word-count.js';

// Issue 2, "Must show": an unknown function is NOT_FOUND; a missing input, a reducer count outside
// 1..1024, a missing file (and a relative path) are INVALID_ARGUMENT naming the field or path; and
// none of them disturbs a job running at the same time.

const MiB = 1024 * 1024;

interface Paths {
  corpus: string;
  missing: string;
  directory: string;
}
const paths = {} as Paths;
let corpusCounts = new Map<string, number>();

const suite = useClusterSuite('bad-input', { mappers: 2, reducers: 1, env: { COORDINATOR_SPLIT_SIZE: '1MiB' } }, async (dir) => {
  paths.corpus = join(dir, 'corpus-30mib.txt');
  paths.missing = join(dir, 'no-such-file.txt');
  paths.directory = join(dir, 'a-directory');
  await mkdir(paths.directory);
  await generateCorpusFile(paths.corpus, { bytes: 30 * MiB, seed: 4242 });
  corpusCounts = await referenceWordCountOfFiles([paths.corpus]);
});

interface BadRequest {
  readonly name: string;
  readonly spec: () => JobSpecInit;
  readonly expected: () => Rejection;
}

const records = ['one line'];
const invalid = (message: string): Rejection => ({ code: 'InvalidArgument', message });

// Each spec is valid except for the one thing the case names (the server checks in a fixed order).
const badRequests: readonly BadRequest[] = [
  {
    name: 'an unknown function',
    spec: () => ({ function: 'no-such-job', inputs: [{ records }] }),
    expected: () => ({ code: 'NotFound', message: 'no job named "no-such-job" is registered' }),
  },
  {
    name: 'a scatter function submitted as a job',
    spec: () => ({ function: 'count-primes', inputs: [{ records }] }),
    expected: () => ({ code: 'NotFound', message: 'no job named "count-primes" is registered' }),
  },
  {
    name: 'no function name',
    spec: () => ({ function: '', inputs: [{ records }] }),
    expected: () => invalid('spec.function must name a registered job'),
  },
  {
    name: 'no inputs',
    spec: () => ({ function: 'wordcount', inputs: [] }),
    expected: () => invalid('spec.inputs must contain at least one input'),
  },
  {
    name: 'an inline input without records',
    spec: () => ({ function: 'wordcount', inputs: [{ records: [] }] }),
    expected: () => invalid('spec.inputs[0].inline.records must contain at least one record'),
  },
  {
    name: 'reducers 0',
    spec: () => ({ function: 'wordcount', inputs: [{ records }], reducers: 0 }),
    expected: () => invalid('spec.reducers must be between 1 and 1024, got 0'),
  },
  {
    // The field is a uint32: the largest value must not wrap around into the valid range.
    name: 'reducers 4294967295',
    spec: () => ({ function: 'wordcount', inputs: [{ records }], reducers: 4294967295 }),
    expected: () => invalid('spec.reducers must be between 1 and 1024, got 4294967295'),
  },
  {
    name: 'reducers 1025',
    spec: () => ({ function: 'wordcount', inputs: [{ records }], reducers: 1025 }),
    expected: () => invalid('spec.reducers must be between 1 and 1024, got 1025'),
  },
  {
    name: 'a file that does not exist',
    spec: () => ({ function: 'wordcount', inputs: [{ file: paths.missing }] }),
    expected: () => invalid(`spec.inputs[0].file.path names a file that does not exist: ${paths.missing}`),
  },
  {
    name: 'a missing file as the second input, after a valid one',
    spec: () => ({ function: 'wordcount', inputs: [{ file: paths.corpus }, { file: paths.missing }] }),
    expected: () => invalid(`spec.inputs[1].file.path names a file that does not exist: ${paths.missing}`),
  },
  {
    name: 'a relative path',
    spec: () => ({ function: 'wordcount', inputs: [{ file: 'corpus.txt' }] }),
    expected: () => invalid('spec.inputs[0].file.path must be an absolute path, got "corpus.txt"'),
  },
  {
    name: 'a directory',
    spec: () => ({ function: 'wordcount', inputs: [{ file: paths.directory }] }),
    expected: () => invalid(`spec.inputs[0].file.path is not a regular file: ${paths.directory}`),
  },
];

describe('SubmitJob with bad input', () => {
  it.each(badRequests)('rejects $name with a pinned code and message', ({ spec, expected }) =>
    suite.run(async ({ client }) => {
      expect(await rejectionOf(client.submit(spec()))).toEqual(expected());
    }),
  );

  it('rejects every bad request without disturbing a 30 MB word count running at the same time', () =>
    suite.run(async ({ client }) => {
      const jobsBefore = (await client.jobs({ limit: 1000 })).length;
      const job = await client.submit({ function: 'wordcount', inputs: [{ file: paths.corpus }], reducers: 3 });

      // Every bad request three times over, all at once, while the job's map tasks run.
      const fired = badRequests.flatMap((bad) => [1, 2, 3].map(() => ({ name: bad.name, rejection: rejectionOf(client.submit(bad.spec())) })));
      const outcomes = await Promise.all(fired.map(async (f) => ({ name: f.name, ...(await f.rejection) })));
      expect(outcomes).toEqual(fired.map((f) => ({ name: f.name, ...badRequests.find((b) => b.name === f.name)!.expected() })));
      // The bad requests really overlapped the job: it had not finished when the last was answered.
      expect(JobState[(await job.get()).state]).toMatch(/^(PENDING|RUNNING)$/);

      const done = await job.wait();
      expect(diffCounts(corpusCounts, countsOf(await readAll(job)))).toEqual(noDifferences(corpusCounts.size));
      expect(await readAll(job, { order: 'value', limit: 10 })).toEqual(topByValue(corpusCounts, 10));
      expect(phaseSummary(done).reduce).toEqual({ total: 3, done: 3, failedAttempts: 0 });
      expect(phaseSummary(done).map.failedAttempts).toBe(0);
      // A rejected spec leaves no job behind: only the word count was added.
      expect((await client.jobs({ limit: 1000 })).length).toBe(jobsBefore + 1);
    }),
  );
});
