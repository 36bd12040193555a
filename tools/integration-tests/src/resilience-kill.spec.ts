import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BreakerState, JobState, Phase, TaskEventType } from '@weft/client';
import { generateCorpusFile } from '@weft/corpus';
import { injectFaults } from '@weft/testing';
import { useClusterSuite } from './support/cluster-suite.js';
import { referenceWordCountOfFiles } from './support/reference-word-count.js';
import { breakerOf, counter, eventually, expectExactWordCount, followJob, isTaskEvent, mapPhaseDone, noticesOf } from './support/resilience-helpers.js';

// Issue 4, "Must show": a word count of at least 50 MB on 4 mappers and 2 reducers gives the exact
// answer when a mapper is SIGKILLed mid-map, when a mapper is killed after the map phase, when a
// reducer is killed mid-reduce, and when a mapper is frozen (SIGSTOP) for the rest of the job
// (its breaker opens, backup attempts are counted). One cluster serves them all, one after the
// other (the two post-map kills share one job to keep the suite short); each killed node is
// restarted before the next test. Then the coordinator itself is SIGKILLed and restarted.

const MiB = 1024 * 1024;
const input = { corpus: '', counts: new Map<string, number>(), small: [] as { file: string; counts: Map<string, number> }[] };

const suite = useClusterSuite(
  'resilience-kill',
  {
    mappers: 4,
    reducers: 2,
    env: {
      WEFT_TEST_MODE: '1',
      COORDINATOR_SPLIT_SIZE: '4MiB',
      // Killed processes are noticed at once (their registration stream breaks); a frozen one is
      // left to the breaker and to backup attempts, not to the heartbeat timeout.
      COORDINATOR_NODE_TIMEOUT: '120s',
      REDUCER_FETCH_TIMEOUT: '2s',
      // Small memory budgets: most map outputs are spilled to disk and served from there, and
      // reducers merge fetched runs down as they go instead of holding the whole partition.
      MAPPER_OUTPUT_MEMORY: '1MiB',
      REDUCER_MERGE_MEMORY: '512KiB',
      COORDINATOR_PROBE_INTERVAL: '500ms',
      COORDINATOR_PROBE_TIMEOUT: '1500ms',
    },
  },
  async (dir) => {
    input.corpus = join(dir, 'corpus-48mib.txt');
    await generateCorpusFile(input.corpus, { bytes: 48 * MiB, seed: 4004 });
    input.counts = await referenceWordCountOfFiles([input.corpus]);
    for (let i = 0; i < 5; i++) {
      const file = join(dir, `small-${i}.txt`);
      await generateCorpusFile(file, { bytes: 3 * MiB, seed: 500 + i });
      input.small.push({ file, counts: await referenceWordCountOfFiles([file]) });
    }
  },
);

/** Slows every reducer's RunReduceTask, so a test can act while reduce attempts are in flight. */
async function slowReducers(latencyMs: number): Promise<void> {
  const { cluster } = suite;
  await Promise.all([0, 1].map((i) => injectFaults(cluster.reducer(i), { latencyMs, methods: ['RunReduceTask'] })));
}

describe('a 50 MB word count on 4 mappers and 2 reducers stays exact', () => {
  it('when a mapper is SIGKILLed mid-map: its running tasks run again elsewhere', () =>
    suite.run(async ({ client, mapper }) => {
      expect((await stat(input.corpus)).size).toBeGreaterThanOrEqual(50_000_000);
      const job = await client.submit({ function: 'wordcount', inputs: [{ file: input.corpus }], reducers: 2 });
      const log = followJob(job);
      await log.until((e) => isTaskEvent(e, TaskEventType.SUCCEEDED, Phase.MAP));
      mapper(1).kill();
      const done = await expectExactWordCount(job, input.counts);
      await log.ended;
      const failedOnKilled = log.events.filter((e) => e.event.case === 'task' && e.event.value.type === TaskEventType.FAILED && e.event.value.nodeId === 'mapper-2');
      expect(failedOnKilled.length).toBeGreaterThan(0);
      expect(done.phases.find((p) => p.phase === Phase.MAP)?.attemptsFailed).toBeGreaterThan(0);
      await mapper(1).restart();
    }));

  it('when a mapper is killed after the map phase and then a reducer mid-reduce: lost outputs are recomputed, the partition runs again', () =>
    suite.run(async ({ client, mapper, reducer }) => {
      // Slow reduce attempts keep the reduce phase open long enough to act in it.
      await slowReducers(3_000);
      let log: ReturnType<typeof followJob>;
      try {
        const job = await client.submit({ function: 'wordcount', inputs: [{ file: input.corpus }], reducers: 2 });
        log = followJob(job);
        await log.until(mapPhaseDone);
        mapper(2).kill();
        await log.until((e) => isTaskEvent(e, TaskEventType.STARTED, Phase.REDUCE) && e.event.case === 'task' && e.event.value.nodeId === 'reducer-1');
        reducer(0).kill();
        await injectFaults(reducer(1), {});
        await expectExactWordCount(job, input.counts);
        await log.ended;
      } finally {
        if (reducer(1).running) await injectFaults(reducer(1), {});
      }
      expect(noticesOf(log.events).some((n) => /^map output m-\d+ (was lost with|could not be fetched from) node mapper-3; recomputing$/.test(n))).toBe(true);
      const reduceSucceeded = log.events.filter((e) => isTaskEvent(e, TaskEventType.SUCCEEDED, Phase.REDUCE));
      expect(reduceSucceeded.map((e) => (e.event.case === 'task' ? e.event.value.nodeId : ''))).toEqual(['reducer-2', 'reducer-2']);
      await Promise.all([mapper(2).restart(), reducer(0).restart()]);
    }));

  it('when a mapper is frozen for the rest of the job: its breaker opens and backup attempts finish its tasks', () =>
    suite.run(async ({ client, mapper }) => {
      expect(await breakerOf(client, 'mapper-4')).toBe(BreakerState.CLOSED);
      // The breaker needs ~6 s to open (3 failed probes of 1.5 s + 0.5 s). Map attempts on the other
      // mappers answer 2.5 s late, so the job surely runs past that on a fast machine too, and the
      // job's own event stream must carry the breaker's notice.
      const others = [0, 1, 2].map((i) => mapper(i));
      await Promise.all(others.map((m) => injectFaults(m, { latencyMs: 2_500, methods: ['RunMapTask'] })));
      const job = await client.submit({ function: 'wordcount', inputs: [{ file: input.corpus }], reducers: 2 });
      const log = followJob(job);
      // While all 8 slots are busy (13 tasks), so mapper-4 surely holds 2 running attempts: once its
      // breaker opens they are backed up elsewhere at once.
      await log.until((e) => e.phases.some((p) => p.phase === Phase.MAP && p.tasksRunning >= 8));
      mapper(3).pause();
      try {
        let sawOpen = false;
        const watchBreaker = eventually('the breaker of mapper-4 opens', async () => (sawOpen = (await breakerOf(client, 'mapper-4')) === BreakerState.OPEN));
        const done = await expectExactWordCount(job, input.counts);
        await watchBreaker;
        expect(sawOpen).toBe(true);
        await log.ended;
        expect(noticesOf(log.events)).toContain('breaker of node mapper-4 is open: work is routed to other nodes');
        expect(counter(done, 'map.backup_attempts')).toBeGreaterThanOrEqual(1);
        expect(log.events.some((e) => isTaskEvent(e, TaskEventType.BACKUP_LAUNCHED, Phase.MAP))).toBe(true);
        expect(done.state).toBe(JobState.SUCCEEDED);
      } finally {
        mapper(3).resume();
        await Promise.all(others.map((m) => injectFaults(m, {})));
      }
      // Thawed, it answers the half-open probe and takes work again.
      await eventually('the breaker of mapper-4 closes again', async () => (await breakerOf(client, 'mapper-4')) === BreakerState.CLOSED);
    }));
});

describe('the coordinator', () => {
  it('SIGKILLed with 3 jobs in flight and 2 finished, then restarted: all 5 succeed exactly, none lost or duplicated', () =>
    suite.run(async ({ client, coordinator, mapper }) => {
      const jobsBefore = (await client.jobs({ limit: 1000 })).length;
      const submit = (i: number) => client.submit({ function: 'wordcount', inputs: [{ file: input.small[i]!.file }], reducers: 2, idempotencyKey: `durability-${i}` });
      const finished = [await submit(0), await submit(1)];
      for (const job of finished) await job.wait();
      // Slow every map task so the next three are surely still running when the coordinator dies.
      const mappers = [0, 1, 2, 3].map((i) => mapper(i));
      await Promise.all(mappers.map((m) => injectFaults(m, { latencyMs: 60_000, methods: ['RunMapTask'] })));
      const inFlight = [await submit(2), await submit(3), await submit(4)];
      for (const job of inFlight) {
        await eventually(`${job.id} runs map attempts`, async () => {
          const now = await job.get();
          return now.state === JobState.RUNNING && now.phases.some((p) => p.phase === Phase.MAP && p.tasksRunning > 0);
        });
      }
      coordinator.kill();
      await coordinator.exited;
      await Promise.all(mappers.map((m) => injectFaults(m, {})));
      // Same port, same journal; the workers find it again on their own.
      await coordinator.restart();

      const all = [...finished, ...inFlight];
      for (const [i, job] of all.entries()) await expectExactWordCount(job, input.small[i]!.counts);
      const listed = (await client.jobs({ limit: 1000 })).map((j) => j.id);
      expect(listed).toHaveLength(jobsBefore + 5);
      for (const job of all) expect(listed.filter((id) => id === job.id)).toHaveLength(1);
      // Submitting again with the same idempotency key returns the same job.
      expect((await submit(3)).id).toBe(inFlight[1]!.id);
    }));
});
