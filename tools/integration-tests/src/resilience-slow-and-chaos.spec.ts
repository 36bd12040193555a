import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Job, JobHandle, WatchJobResponse } from '@weft/client';
import { Code, ConnectError, isFinalJobState, JobState, Phase, TaskEventType } from '@weft/client';
import { generateCorpusFile, generateCorpusText } from '@weft/corpus';
import { injectFaults, startCluster, type TestCluster } from '@weft/testing';
import { SETUP_TIMEOUT_MS } from './support/cluster-suite.js';
import { waitForExit } from './support/process-alive.js';
import { countsOf, readAll } from './support/read-results.js';
import { diffCounts, noDifferences, referenceWordCount, referenceWordCountOfFiles } from './support/reference-word-count.js';
import { counter, expectExactWordCount, followJob } from './support/resilience-helpers.js';

// Issue 4, "Must show": one mapper slowed 10x by injected latency. With backup tasks the job takes
// at most 1.5x the time of the same job without the slow node; without backup tasks it takes
// longer, which shows that speculation is what helped. All three runs happen in this test run, on
// two clusters that differ only in COORDINATOR_BACKUP_TASKS. Then, on the first cluster, a seeded
// chaos test: 20 jobs submitted while random nodes (workers and the coordinator) are SIGKILLed and
// restarted; every job
// either succeeds exactly or fails with a clear reason, none hangs, none is lost or duplicated.

const MiB = 1024 * 1024;
const env = { WEFT_TEST_MODE: '1', COORDINATOR_SPLIT_SIZE: '1MiB', COORDINATOR_BACKUP_MIN_ELAPSED: '200ms' };
let dir = '';
let corpus = '';
let expected = new Map<string, number>();
let speculating: TestCluster | undefined;
let plain: TestCluster | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'weft-it-stragglers-'));
  corpus = join(dir, 'corpus-24mib.txt');
  const started = await Promise.allSettled([
    startCluster({ mappers: 3, reducers: 2, env, logDir: join(dir, 'logs-speculating') }),
    startCluster({ mappers: 4, reducers: 1, env: { ...env, COORDINATOR_BACKUP_TASKS: 'false' }, logDir: join(dir, 'logs-plain') }),
    generateCorpusFile(corpus, { bytes: 24 * MiB, seed: 1010 }).then(async () => (expected = await referenceWordCountOfFiles([corpus]))),
  ]);
  if (started[0].status === 'fulfilled') speculating = started[0].value;
  if (started[1].status === 'fulfilled') plain = started[1].value;
  const failed = started.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  const clusters = [speculating, plain].filter((c): c is TestCluster => c !== undefined);
  const pids = clusters.flatMap((c) => c.nodes.map((n) => n.pid)).filter((p): p is number => p !== undefined);
  await Promise.all(clusters.map((c) => c.stop()));
  expect(await waitForExit(pids)).toEqual([]);
  await rm(dir, { recursive: true, force: true });
}, SETUP_TIMEOUT_MS);

/** Runs the word count to an exact end; returns the job and its duration as the coordinator measured it. */
async function timedWordCount(cluster: TestCluster): Promise<{ job: Job; ms: number; events: WatchJobResponse[] }> {
  const handle = await cluster.client.submit({ function: 'wordcount', inputs: [{ file: corpus }], reducers: 1 });
  const log = followJob(handle);
  const job = await expectExactWordCount(handle, expected);
  await log.ended;
  const ms = Number(job.finishedAt!.seconds - job.createdAt!.seconds) * 1000 + (job.finishedAt!.nanos - job.createdAt!.nanos) / 1e6;
  return { job, ms, events: log.events };
}

function medianMapAttemptMs(events: readonly WatchJobResponse[]): number {
  const times = events.flatMap((e) => (e.event.case === 'task' && e.event.value.phase === Phase.MAP && e.event.value.type === TaskEventType.SUCCEEDED ? [e.event.value.elapsedMs] : [])).sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

it('a mapper slowed 10x costs little with backup tasks and much without them', async () => {
  const withBackups = speculating!;
  const withoutBackups = plain!;
  // The same job without the slow node: the three fast mappers only.
  const base = await timedWordCount(withBackups);
  const latencyMs = 9 * medianMapAttemptMs(base.events);

  // The slow node joins: every map task it runs takes ten times as long.
  const slow = await withBackups.addNode('mapper');
  await injectFaults(slow, { latencyMs, methods: ['RunMapTask'] });
  const speculated = await timedWordCount(withBackups);

  // The machine is shared and its load comes in bursts: measure the job without the slow node again
  // (it is stopped) and compare against the slower of the two runs (a generous bound, as asked).
  slow.kill();
  await slow.exited;
  const baseAgain = await timedWordCount(withBackups);
  await slow.restart();
  const baseMs = Math.max(base.ms, baseAgain.ms);

  await injectFaults(withoutBackups.mapper(3), { latencyMs, methods: ['RunMapTask'] });
  const unspeculated = await timedWordCount(withoutBackups);

  const summary = { baseMs: Math.round(baseMs), withBackupsMs: Math.round(speculated.ms), withoutBackupsMs: Math.round(unspeculated.ms), latencyMs };
  process.stderr.write(`[stragglers] ${JSON.stringify(summary)}\n`);
  expect(counter(speculated.job, 'map.backup_attempts')).toBeGreaterThanOrEqual(1);
  expect(counter(unspeculated.job, 'map.backup_attempts')).toBe(0);
  expect({ ...summary, withinBound: speculated.ms <= 1.5 * baseMs }).toEqual({ ...summary, withinBound: true });
  expect({ ...summary, slowerWithout: unspeculated.ms > speculated.ms }).toEqual({ ...summary, slowerWithout: true });
  // The loser of each race was cancelled, and every backup is accounted for in the events.
  const backups = speculated.events.filter((e) => e.event.case === 'task' && e.event.value.type === TaskEventType.BACKUP_LAUNCHED);
  expect(backups.length).toBe(counter(speculated.job, 'map.backup_attempts'));
}, 240_000);

/** mulberry32: a tiny seeded PRNG, so the chaos schedule repeats run after run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Retries `fn` while the coordinator is away (UNAVAILABLE), up to `timeoutMs`. */
async function whileCoordinatorAway<T>(fn: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (error) {
      if (ConnectError.from(error).code !== Code.Unavailable || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  }
}

/** Polls a job until it ended (riding out coordinator restarts); throws when it takes longer than `timeoutMs`. */
async function ended(job: JobHandle, timeoutMs: number): Promise<Job> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = await whileCoordinatorAway(() => job.get());
    if (isFinalJobState(now.state)) return now;
    if (Date.now() > deadline) throw new Error(`job ${job.id} still ${JobState[now.state]} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

it('chaos: 20 jobs while random nodes (workers and the coordinator) are killed and restarted (seed 2026): each ends exact or failed with a reason', async () => {
  const cluster = speculating!;
  // Four mappers at full speed (the straggler test added the 4th and slowed it): only the chaos
  // below disturbs this run, and the victims' list (so the seeded schedule) is the same every time.
  const fourth = cluster.nodes.find((n) => n.name === 'mapper-4') ?? (await cluster.addNode('mapper'));
  await injectFaults(fourth, {});
  const random = seeded(2026);
  const victims = cluster.nodes.filter((n) => n.role !== 'gateway');
  const texts = Array.from({ length: 20 }, (_, i) => generateCorpusText({ bytes: 256 * 1024 + i * 4096, seed: 9000 + i }));
  const schedule: string[] = [];
  let stop = false;
  const chaos = (async () => {
    while (!stop) {
      const victim = victims[Math.floor(random() * victims.length)]!;
      schedule.push(victim.name);
      victim.kill();
      await victim.exited;
      await new Promise((resolve) => setTimeout(resolve, 300 + Math.floor(random() * 700)));
      await victim.restart();
      await new Promise((resolve) => setTimeout(resolve, 200 + Math.floor(random() * 500)));
    }
  })();

  const jobs: JobHandle[] = [];
  for (const [i, text] of texts.entries()) {
    // The same idempotency key makes a resubmission after a coordinator restart safe.
    jobs.push(await whileCoordinatorAway(() => cluster.client.submit({ function: 'wordcount', inputs: [{ records: [text] }], reducers: 2, idempotencyKey: `chaos-${i}` })));
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const outcomes = await Promise.all(jobs.map((job) => ended(job, 150_000)));
  stop = true;
  await chaos;

  expect(schedule.length).toBeGreaterThan(0);
  // Repeatable: the seed fixes who dies, in order (timing only decides how many kills fit in).
  expect(schedule.slice(0, 3)).toEqual(['mapper-3', 'reducer-1', 'reducer-1'].slice(0, schedule.length));
  expect(new Set(jobs.map((j) => j.id)).size).toBe(20);
  for (const [i, job] of outcomes.entries()) {
    if (job.state === JobState.SUCCEEDED) {
      const counts = countsOf(await whileCoordinatorAway(() => readAll(jobs[i]!)));
      const expected = referenceWordCount(texts[i]!);
      expect(diffCounts(expected, counts)).toEqual(noDifferences(expected.size));
    } else {
      expect({ state: JobState[job.state], hasReason: job.error.length > 0 }).toEqual({ state: 'FAILED', hasReason: true });
    }
  }
  const listed = (await whileCoordinatorAway(() => cluster.client.jobs({ limit: 1000 }))).map((j) => j.id);
  for (const job of jobs) expect(listed.filter((id) => id === job.id)).toHaveLength(1);
  process.stderr.write(`[chaos] kills: ${schedule.join(' ')}; states: ${outcomes.map((j) => JobState[j.state]).join(' ')}\n`);
}, 240_000);
