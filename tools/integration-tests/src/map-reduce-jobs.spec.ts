import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateCorpusFile, generateCorpusFiles } from '@weft/corpus';
import { useClusterSuite } from './support/cluster-suite.js';
import { firstKeyOrderViolation, nodesThatWorked, phaseSummary, tasksCompletedByNode } from './support/job-checks.js';
import { countsOf, readAll } from './support/read-results.js';
import { diffCounts, noDifferences, referenceWordCount, referenceWordCountOfFiles, topByValue } from './support/reference-word-count.js';
import { WHITESPACE_EDGE_TEXT } from './support/whitespace-edge-text.js';

// Issue 2, "Must show": a word count of a 20 MB corpus through 3 mappers and 2 reducers equals an
// independent single-process count for every word, also for 3 input files in one job; and
// sum-of-squares over 1..100,000 split across mappers is exactly 333338333350000.

const MiB = 1024 * 1024;
const SPLIT_BYTES = MiB;

/** Map tasks of a file, cut as the planner cuts it: splits of SPLIT_BYTES, a remainder within 10% joining the last (Hadoop's slop). */
function splitsOf(size: number): number {
  let splits = 0;
  for (let left = size; left > 0; splits++) left -= left > SPLIT_BYTES * 1.1 ? SPLIT_BYTES : left;
  return splits;
}
const SUM_OF_SQUARES_1_TO_100000 = 333338333350000n;

interface Inputs {
  corpus: string;
  corpusCounts: Map<string, number>;
  threeFiles: string[];
  threeFilesCounts: Map<string, number>;
  edgeFile: string;
  squaresFile: string;
}
const inputs = {} as Inputs;

const suite = useClusterSuite(
  'map-reduce',
  // 1 MiB splits (the default is 8 MiB) so a 20 MB corpus becomes 21 map tasks over 3 mappers.
  { mappers: 3, reducers: 2, env: { COORDINATOR_SPLIT_SIZE: '1MiB' } },
  async (dir) => {
    inputs.corpus = join(dir, 'corpus-20mib.txt');
    await generateCorpusFile(inputs.corpus, { bytes: 20 * MiB, seed: 2026 });
    inputs.threeFiles = await generateCorpusFiles(join(dir, 'three'), { bytes: 21 * MiB, seed: 77, files: 3 });
    inputs.edgeFile = join(dir, 'whitespace-edge.txt');
    await writeFile(inputs.edgeFile, WHITESPACE_EDGE_TEXT);
    inputs.squaresFile = join(dir, 'squares.txt');
    await writeFile(inputs.squaresFile, Array.from({ length: 100_000 }, (_, i) => `${i + 1}\n`).join(''));
    inputs.corpusCounts = await referenceWordCountOfFiles([inputs.corpus]);
    inputs.threeFilesCounts = await referenceWordCountOfFiles(inputs.threeFiles);
  },
);

describe('wordcount on 3 mappers and 2 reducers', () => {
  it('counts every word of a 20 MB corpus exactly as an independent single-process count does', () =>
    suite.run(async ({ client }) => {
      const { size } = await stat(inputs.corpus);
      expect(size).toBeGreaterThanOrEqual(20 * MiB);
      const before = await tasksCompletedByNode(client);

      const job = await client.submit({ function: 'wordcount', inputs: [{ file: inputs.corpus }], reducers: 2 });
      const done = await job.wait();

      const byKey = await readAll(job);
      expect(firstKeyOrderViolation(byKey)).toBeUndefined();
      expect(diffCounts(inputs.corpusCounts, countsOf(byKey))).toEqual(noDifferences(inputs.corpusCounts.size));
      expect(await readAll(job, { order: 'value', limit: 10 })).toEqual(topByValue(inputs.corpusCounts, 10));

      // It really was distributed: 21 line-aligned splits, 2 partitions, every worker took part.
      expect(phaseSummary(done)).toEqual({
        map: { total: splitsOf(size), done: splitsOf(size), failedAttempts: 0 },
        reduce: { total: 2, done: 2, failedAttempts: 0 },
      });
      expect(done.resultCount).toBe(BigInt(inputs.corpusCounts.size));
      expect(nodesThatWorked(before, await tasksCompletedByNode(client))).toEqual(['mapper-1', 'mapper-2', 'mapper-3', 'reducer-1', 'reducer-2']);
    }));

  it('counts three corpus files in one job exactly, and pages through the value order', () =>
    suite.run(async ({ client }) => {
      const job = await client.submit({ function: 'wordcount', inputs: inputs.threeFiles.map((file) => ({ file })), reducers: 2 });
      const done = await job.wait();
      expect(done.inputCount).toBe(3);

      const byKey = await readAll(job);
      expect(firstKeyOrderViolation(byKey)).toBeUndefined();
      expect(diffCounts(inputs.threeFilesCounts, countsOf(byKey))).toEqual(noDifferences(inputs.threeFilesCounts.size));
      const top = topByValue(inputs.threeFilesCounts, 20);
      expect(await readAll(job, { order: 'value', limit: 10 })).toEqual(top.slice(0, 10));
      expect(await readAll(job, { order: 'value', limit: 10, offset: 10 })).toEqual(top.slice(10, 20));
      // Each file is split on its own, so no map task spans two files.
      let tasks = 0;
      for (const file of inputs.threeFiles) tasks += splitsOf((await stat(file)).size);
      expect(phaseSummary(done).map).toEqual({ total: tasks, done: tasks, failedAttempts: 0 });
    }));

  it('splits and lower-cases like Python on Unicode whitespace, case-mapping edge cases and a last line without newline', () =>
    suite.run(async ({ client }) => {
      // The same text as a file and as inline records: every count is doubled.
      const records = WHITESPACE_EDGE_TEXT.split('\n');
      const job = await client.submit({ function: 'wordcount', inputs: [{ file: inputs.edgeFile }, { records }], reducers: 2 });
      await job.wait();
      const expected = referenceWordCount(WHITESPACE_EDGE_TEXT + '\n' + WHITESPACE_EDGE_TEXT);
      const byKey = await readAll(job);
      expect(diffCounts(expected, countsOf(byKey))).toEqual(noDifferences(expected.size));
      // Keys such as "\ufb01nance" and "\u{1F600}" sort differently by UTF-16 code units and by
      // UTF-8 bytes; ReadResults promises UTF-8 byte order.
      expect(firstKeyOrderViolation(byKey)).toBeUndefined();
    }));
});

describe('sum-of-squares on 3 mappers and 2 reducers', () => {
  it('sums 1..100,000 given as inline records split into 8 map tasks across mappers to exactly 333338333350000', () =>
    suite.run(async ({ client }) => {
      const before = await tasksCompletedByNode(client);
      // Each inline input is planned on its own: 8 inputs of 12,500 records make 8 map tasks.
      const numbers = Array.from({ length: 100_000 }, (_, i) => String(i + 1));
      const chunks = Array.from({ length: 8 }, (_, c) => ({ records: numbers.slice(c * 12_500, (c + 1) * 12_500) }));
      const job = await client.submit({ function: 'sum-of-squares', inputs: chunks });
      const done = await job.wait();

      const results = await readAll(job);
      expect(results.map((r) => ({ key: r.key, value: BigInt(r.value as number | bigint) }))).toEqual([{ key: 'sum', value: SUM_OF_SQUARES_1_TO_100000 }]);
      expect(phaseSummary(done).map).toEqual({ total: 8, done: 8, failedAttempts: 0 });
      const mappersThatWorked = nodesThatWorked(before, await tasksCompletedByNode(client)).filter((id) => id.startsWith('mapper-'));
      expect(mappersThatWorked.length).toBeGreaterThanOrEqual(2);
    }));

  it('sums 1..100,000 read from a file, with one of two reduce partitions empty, to exactly 333338333350000', () =>
    suite.run(async ({ client }) => {
      const job = await client.submit({ function: 'sum-of-squares', inputs: [{ file: inputs.squaresFile }], reducers: 2 });
      const done = await job.wait();
      const results = await readAll(job);
      expect(results.map((r) => ({ key: r.key, value: BigInt(r.value as number | bigint) }))).toEqual([{ key: 'sum', value: SUM_OF_SQUARES_1_TO_100000 }]);
      expect(phaseSummary(done).reduce).toEqual({ total: 2, done: 2, failedAttempts: 0 });
    }));
});
