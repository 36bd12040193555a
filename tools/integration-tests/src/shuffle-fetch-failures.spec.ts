import { readdirSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Phase, TaskEventType } from '@weft/client';
import { generateCorpusText } from '@weft/corpus';
import { injectFaults } from '@weft/testing';
import { useClusterSuite } from './support/cluster-suite.js';
import { eventually, expectExactWordCount, followJob, isTaskEvent, noticesOf } from './support/resilience-helpers.js';
import { referenceWordCount } from './support/reference-word-count.js';

// Issue 4: a reducer that cannot read several map outputs reports every one of them in the same
// attempt, so the coordinator recomputes them all in one round (not one failed reduce attempt per
// lost output). Mappers spill all their output (MAPPER_OUTPUT_MEMORY=1), so deleting the files of
// their default spill dirs makes every output of both mappers unreadable; the reducer's
// RunReduceTask is delayed to leave time for that between the map and the reduce phase.

const input = { file: '', text: '' };

const suite = useClusterSuite(
  'shuffle-fetch-failures',
  { mappers: 2, reducers: 1, env: { WEFT_TEST_MODE: '1', COORDINATOR_SPLIT_SIZE: '64KiB', MAPPER_OUTPUT_MEMORY: '1' } },
  async (dir) => {
    input.text = generateCorpusText({ bytes: 400 * 1024, seed: 77 });
    input.file = join(dir, 'corpus.txt');
    await writeFile(input.file, input.text);
  },
);

/** The files in the default spill dir of the mapper process `pid` (`<tmp>/weft-mapper-<node>-<pid>-t<token>`). */
function spillFilesOf(pid: number): string[] {
  const dirs = readdirSync(tmpdir()).filter((name) => new RegExp(`^weft-mapper-.+-${pid}-t[0-9a-z]+$`).test(name));
  return dirs.flatMap((dir) => readdirSync(join(tmpdir(), dir)).map((file) => join(tmpdir(), dir, file)));
}

describe('unreadable map outputs of several mappers', () => {
  it('are all reported by one reduce attempt and recomputed in one round; the job stays exact', () =>
    suite.run(async ({ client, mapper, reducer }) => {
      await injectFaults(reducer(0), { latencyMs: 4_000, methods: ['RunReduceTask'] });
      const job = await client.submit({ function: 'wordcount', inputs: [{ file: input.file }], reducers: 1 });
      const log = followJob(job);
      await eventually('the map phase is done', async () => (await job.get()).phases.some((p) => p.phase === Phase.MAP && p.tasksTotal > 0 && p.tasksDone === p.tasksTotal), 60_000);
      const pids = [mapper(0).pid!, mapper(1).pid!];
      const files = pids.map(spillFilesOf);
      // Both mappers hold outputs (the scheduler spreads 7 tasks over 2 mappers), all on disk.
      expect(files.map((f) => f.length > 0)).toEqual([true, true]);
      for (const file of files.flat()) rmSync(file);
      await injectFaults(reducer(0), {});

      await expectExactWordCount(job, referenceWordCount(input.text));
      await log.ended;
      const failedReduces = log.events.filter((e) => isTaskEvent(e, TaskEventType.FAILED, Phase.REDUCE));
      expect(failedReduces).toHaveLength(1);
      const lost = noticesOf(log.events).filter((n) => /^map output m-\d+ could not be fetched from node /.test(n));
      // Every output was recomputed once, and outputs of both mappers were among them.
      expect(lost).toHaveLength(files.flat().length);
      expect(new Set(lost.map((n) => /from node (\S+);/.exec(n)?.[1])).size).toBe(2);
    }));
});
