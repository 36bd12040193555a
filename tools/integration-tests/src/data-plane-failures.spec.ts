import { existsSync, readdirSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Phase, TaskEventType } from '@weft/client';
import { generateCorpusText } from '@weft/corpus';
import { injectFaults } from '@weft/testing';
import { useClusterSuite } from './support/cluster-suite.js';
import { eventually, expectExactWordCount, followJob, isTaskEvent, noticesOf } from './support/resilience-helpers.js';
import { referenceWordCount } from './support/reference-word-count.js';

// Issue 4, two data-plane failures. (1) A reducer that cannot read several map outputs reports every one of them in the same
// attempt, so the coordinator recomputes them all in one round (not one failed reduce attempt per
// lost output). Mappers spill all their output (MAPPER_OUTPUT_MEMORY=1), so deleting the files of
// their default spill dirs makes every output of both mappers unreadable; the reducer's
// RunReduceTask is delayed to leave time for that between the map and the reduce phase.
// (2) A SIGKILLed worker cannot remove its spill dir; the next worker of its role to start removes it.

const input = { file: '', text: '' };

const suite = useClusterSuite(
  'data-plane-failures',
  { mappers: 2, reducers: 1, env: { WEFT_TEST_MODE: '1', COORDINATOR_SPLIT_SIZE: '64KiB', MAPPER_OUTPUT_MEMORY: '1' } },
  async (dir) => {
    input.text = generateCorpusText({ bytes: 400 * 1024, seed: 77 });
    input.file = join(dir, 'corpus.txt');
    await writeFile(input.file, input.text);
  },
);

/** The default spill dirs of the `role` process `pid` (`<tmp>/weft-<role>-<node>-<pid>-t<token>`). */
function spillDirsOf(role: 'mapper' | 'reducer', pid: number): string[] {
  return readdirSync(tmpdir())
    .filter((name) => new RegExp(`^weft-${role}-.+-${pid}-t[0-9a-z]+$`).test(name))
    .map((name) => join(tmpdir(), name));
}

/** The files in the default spill dir of the mapper process `pid`. */
function spillFilesOf(pid: number): string[] {
  return spillDirsOf('mapper', pid).flatMap((dir) => readdirSync(dir).map((file) => join(dir, file)));
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

describe('spill dirs of SIGKILLed workers', () => {
  it('are removed by the next worker of the same role to start, and live workers keep theirs', () =>
    suite.run(async ({ mapper, reducer }) => {
      const killed = mapper(0);
      const pid = killed.pid!;
      const [dir] = spillDirsOf('mapper', pid);
      expect(dir).toBeDefined();
      const otherMapper = spillDirsOf('mapper', mapper(1).pid!);
      const reducerDirs = spillDirsOf('reducer', reducer(0).pid!);
      expect(otherMapper).toHaveLength(1);
      expect(reducerDirs).toHaveLength(1);
      killed.kill('SIGKILL');
      await killed.exited;
      expect(existsSync(dir!)).toBe(true); // nobody cleaned up after the kill
      await killed.restart();
      expect(existsSync(dir!)).toBe(false);
      expect(spillDirsOf('mapper', killed.pid!)).toHaveLength(1); // the new process's own
      for (const live of [...otherMapper, ...reducerDirs]) expect(existsSync(live)).toBe(true);
    }));
});

