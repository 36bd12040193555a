import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { JobState } from '@weft/client';
import { generateCorpusText } from '@weft/corpus';
import { useClusterSuite } from './support/cluster-suite.js';
import { firstKeyOrderViolation } from './support/job-checks.js';
import { countsOf, readAll } from './support/read-results.js';
import { diffCounts, noDifferences, referenceInvertedIndex, referenceWordCount } from './support/reference-word-count.js';

// Issue 4, item 9: reducers hold at most REDUCER_MERGE_MEMORY of fetched map output; the rest is
// spilled to their local disk and the final reduce streams a k-way merge over files. With tiny
// budgets (256 KiB on both sides) a word count (with combine) and an inverted index (without
// combine: merging would not shrink it) are still exact, and the reducers really did spill.

const MiB = 1024 * 1024;
const texts = { corpus: '', docs: '' };
const files = { corpus: '', docs: '' };

const suite = useClusterSuite(
  'resilience-memory',
  {
    mappers: 2,
    reducers: 2,
    metrics: true,
    env: { COORDINATOR_SPLIT_SIZE: '512KiB', MAPPER_OUTPUT_MEMORY: '256KiB', REDUCER_MERGE_MEMORY: '256KiB' },
  },
  async (dir) => {
    texts.corpus = generateCorpusText({ bytes: 8 * MiB, seed: 909 });
    const lines = texts.corpus.split('\n').filter((l) => l.trim() !== '');
    texts.docs = lines.slice(0, 30_000).map((line, i) => `doc-${i % 1009}\t${line}`).join('\n');
    for (const name of ['corpus', 'docs'] as const) {
      files[name] = join(dir, `${name}.txt`);
      await writeFile(files[name], texts[name]);
    }
  },
);

/** Sum of `weft_reducer_spilled_bytes_total` over the reducers' /metrics. */
async function spilledBytes(): Promise<number> {
  const { cluster } = suite;
  let total = 0;
  for (const node of [cluster.reducer(0), cluster.reducer(1)]) {
    const text = await (await fetch(await cluster.metricsUrl(node))).text();
    for (const match of text.matchAll(/^weft_reducer_spilled_bytes_total(?:\{[^}]*\})? ([0-9.e+]+)$/gm)) total += Number(match[1]);
  }
  return total;
}

describe('reducers with a 256 KiB merge budget spill to disk and stay exact', () => {
  it('a word count (with combine) equals an independent count', () =>
    suite.run(async ({ client }) => {
      const before = await spilledBytes();
      const job = await client.submit({ function: 'wordcount', inputs: [{ file: files.corpus }], reducers: 2 });
      expect((await job.wait()).state).toBe(JobState.SUCCEEDED);
      const records = await readAll(job);
      expect(firstKeyOrderViolation(records)).toBeUndefined();
      const expected = referenceWordCount(texts.corpus);
      expect(diffCounts(expected, countsOf(records))).toEqual(noDifferences(expected.size));
      expect(await spilledBytes()).toBeGreaterThan(before);
    }));

  it('an inverted index (no combine) equals an independent computation', () =>
    suite.run(async ({ client }) => {
      const docsOf = referenceInvertedIndex(texts.docs);
      const before = await spilledBytes();
      const job = await client.submit({ function: 'inverted-index', inputs: [{ file: files.docs }], reducers: 2 });
      expect((await job.wait()).state).toBe(JobState.SUCCEEDED);
      const records = await readAll(job);
      expect(firstKeyOrderViolation(records)).toBeUndefined();
      const got = new Map(records.map((r) => [r.key, r.value]));
      expect(got.size).toBe(records.length);
      expect(got.size).toBe(docsOf.size);
      for (const [word, docs] of docsOf) expect([word, got.get(word)]).toEqual([word, docs]);
      expect(await spilledBytes()).toBeGreaterThan(before);
    }));
});
