import { createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { JobHandle, WeftClient } from '@weft/client';
import { generateCorpusFile } from '@weft/corpus';
import { useClusterSuite } from './support/cluster-suite.js';
import { referenceWordCountOfFiles } from './support/reference-word-count.js';
import { badRecordLocation, expectExactWordCount } from './support/resilience-helpers.js';

// COORDINATOR_SHARED_FILES=false, as the Kubernetes manifests run it (no volume shared between the
// coordinator and the mappers): the coordinator reads each split's lines of a file input or an
// upload itself and streams them to the mapper on the task's stream. Same answers, same error
// locations as when every mapper reads its split from the file.

const functionsModule = resolve(import.meta.dirname, '../fixtures/resilience-functions.mjs');
const input = { corpus: '', badFile: '', badText: '' };

const suite = useClusterSuite(
  'sent-files',
  {
    mappers: 2,
    reducers: 2,
    env: { COORDINATOR_SHARED_FILES: 'false', COORDINATOR_SPLIT_SIZE: '256KiB', WEFT_FUNCTION_MODULES: functionsModule },
  },
  async (dir) => {
    input.corpus = join(dir, 'corpus-3mib.txt');
    await generateCorpusFile(input.corpus, { bytes: 3 * 1024 * 1024, seed: 707 });
    // The bad record lies past the first split, so its location names the byte its split starts at.
    const lines = Array.from({ length: 40_000 }, (_, i) => `line ${i % 13} of the quick brown fox ${i % 7}`);
    lines[31_337] = 'this line holds a BAD-RECORD somewhere';
    input.badText = `${lines.join('\n')}\n`;
    input.badFile = join(dir, 'with-bad-record.txt');
    await writeFile(input.badFile, input.badText);
  },
);

/** How every map attempt of the job got its input (the attempt spans' `weft.input.delivery`). */
async function deliveries(job: JobHandle): Promise<string[]> {
  const { spans } = await job.trace();
  return spans.filter((s) => /^map m-\d+ attempt \d+$/.test(s.name)).map((s) => s.attributes['weft.input.delivery'] ?? 'none');
}

describe('a coordinator whose mappers cannot see its files (COORDINATOR_SHARED_FILES=false)', () => {
  it.each<[string, (client: WeftClient) => Promise<JobHandle>]>([
    ['a file input', (client) => client.submit({ function: 'wordcount', inputs: [{ file: input.corpus }], reducers: 2 })],
    ['an upload of the same bytes', (client) => client.upload({ function: 'wordcount', inputs: [], reducers: 2 }, createReadStream(input.corpus, { highWaterMark: 1 << 20 }))],
  ])('sends every split of %s to the mappers, and the word count is exact', (_, submit) =>
    suite.run(async ({ client }) => {
      const job = await submit(client);
      await expectExactWordCount(job, await referenceWordCountOfFiles([input.corpus]));
      const sent = await deliveries(job);
      expect(sent.length).toBeGreaterThan(1);
      expect(new Set(sent)).toEqual(new Set(['sent']));
    }));

  it('names a bad record by file, split start and line, as a mapper reading the file would', () =>
    suite.run(async ({ client }) => {
      const job = await client.submit({ function: 'strict-wordcount', inputs: [{ file: input.badFile }], maxAttempts: 1 });
      // Read independently: the line that many lines past the split's first byte is the bad record.
      const where = await badRecordLocation(job, input.badText);
      expect({ error: where.job.error, file: where.file, line: where.line }).toEqual({ error: where.job.error, file: input.badFile, line: 'this line holds a BAD-RECORD somewhere' });
      expect(where.fromByte).toBeGreaterThan(0);
    }));
});
