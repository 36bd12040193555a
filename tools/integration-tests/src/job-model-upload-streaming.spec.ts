import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { JobState, Phase, type Job, type WeftClient } from '@weft/client';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { JobService, type UploadJobRequestSchema } from '@weft/proto';
import { generateCorpusFile } from '@weft/corpus';
import { useClusterSuite } from './support/cluster-suite.js';
import { countsOf, readAll } from './support/read-results.js';
import { eventually } from './support/resilience-helpers.js';
import { diffCounts, noDifferences, referenceWordCount } from './support/reference-word-count.js';

// UploadJob overlaps uploading and mapping: the job is journaled with the upload's first bytes and
// maps each complete line-aligned range (here 1 MiB: COORDINATOR_SPLIT_SIZE is the upload's range
// size) while the rest streams. Never at the cost of correctness: an upload that breaks off, or
// whose coordinator dies mid-stream, fails its job instead of counting half the input, and frees
// its idempotency key for the retry.

const MiB = 1024 * 1024;
let corpus = new Uint8Array(0);
let expected = new Map<string, number>();

const suite = useClusterSuite(
  'upload-streaming',
  { mappers: 2, reducers: 1, env: { COORDINATOR_SPLIT_SIZE: '1MiB', COORDINATOR_MIN_SPLIT_SIZE: '1MiB' } },
  async (dir) => {
    const path = join(dir, 'corpus-6mib.txt');
    await generateCorpusFile(path, { bytes: 6 * MiB, seed: 4242 });
    corpus = new Uint8Array(await readFile(path));
    expected = referenceWordCount(new TextDecoder().decode(corpus));
  },
);

/** The newest job, once there is one newer than `before` (the upload's job before its id is answered). */
async function newJobAfter(client: WeftClient, before: ReadonlySet<string>): Promise<Job> {
  let found: Job | undefined;
  await eventually('the upload has a job', async () => {
    found = (await client.jobs({ limit: 20 })).find((job) => !before.has(job.id));
    return found !== undefined;
  });
  return found!;
}

async function jobIds(client: WeftClient): Promise<Set<string>> {
  return new Set((await client.jobs({ limit: 1000 })).map((job) => job.id));
}

/** Streams the first `pausedAt` bytes of the corpus, then waits for `resume` before the rest. */
async function* corpusPausedAt(pausedAt: number, resume: Promise<void>): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < corpus.byteLength; offset += 256 * 1024) {
    if (offset === pausedAt) await resume;
    yield corpus.subarray(offset, offset + 256 * 1024);
  }
}

describe('UploadJob while it streams', () => {
  it('maps the ranges already uploaded before the upload ends, and counts exactly', () =>
    suite.run(async ({ client }) => {
      const before = await jobIds(client);
      let resume!: () => void;
      const resumed = new Promise<void>((resolve) => (resume = resolve));
      const uploading = client.upload({ function: 'wordcount', inputs: [], reducers: 1 }, corpusPausedAt(3 * MiB, resumed));
      const running = await newJobAfter(client, before);
      // Half the input is in and the stream is held: map tasks of it finish meanwhile.
      await eventually('map tasks of the first ranges are done', async () => {
        const now = await client.job(running.id).get();
        return now.phases.some((p) => p.phase === Phase.MAP && p.tasksDone >= 2);
      });
      expect((await client.job(running.id).get()).state).toBe(JobState.RUNNING);
      resume();
      const job = await uploading;
      expect(job.id).toBe(running.id);
      const final = await job.wait();
      expect(final.state).toBe(JobState.SUCCEEDED);
      expect(final.counters['map.bytes_in']).toBe(BigInt(corpus.byteLength));
      expect(diffCounts(expected, countsOf(await readAll(job)))).toEqual(noDifferences(expected.size));
    }));

  it('an upload that breaks off fails its job, naming why; a retry with the same idempotency key runs anew', () =>
    suite.run(async ({ client }) => {
      const before = await jobIds(client);
      const stop = new AbortController();
      let resume!: () => void;
      const resumed = new Promise<void>((resolve) => (resume = resolve));
      const spec = { function: 'wordcount', inputs: [], reducers: 1, idempotencyKey: 'upload-broken-then-retried' };
      const uploading = client.upload(spec, corpusPausedAt(3 * MiB, resumed), { signal: stop.signal });
      const broken = await newJobAfter(client, before);
      await eventually('a map task of the first ranges is done', async () => (await client.job(broken.id).get()).phases.some((p) => p.phase === Phase.MAP && p.tasksDone >= 1));
      stop.abort();
      await expect(uploading).rejects.toThrow();
      resume();
      const ended = await client.job(broken.id).wait().catch(() => client.job(broken.id).get());
      expect(ended.state).toBe(JobState.FAILED);
      expect(ended.error).toMatch(/^the upload broke off after \d+ bytes/);
      expect(ended.resultCount).toBe(0n);

      const retried = await client.upload(spec, [corpus]);
      expect(retried.id).not.toBe(broken.id);
      expect((await retried.wait()).state).toBe(JobState.SUCCEEDED);
      expect(diffCounts(expected, countsOf(await readAll(retried)))).toEqual(noDifferences(expected.size));
      // Now the key is taken: the same upload again is the same job, its bytes never stored.
      expect((await client.upload(spec, [corpus])).id).toBe(retried.id);
    }));

  it('only a stream closed by end is an upload: without it, or with the wrong byte count, INVALID_ARGUMENT names the field', () =>
    suite.run(async ({ client, gatewayUrl }) => {
      const jobs = createClient(JobService, createGrpcTransport({ baseUrl: gatewayUrl }));
      const data = new TextEncoder().encode('a b a\n');
      async function* stream(end?: bigint): AsyncGenerator<MessageInitShape<typeof UploadJobRequestSchema>> {
        yield { kind: { case: 'spec', value: { function: 'wordcount' } } };
        yield { kind: { case: 'chunk', value: data } };
        if (end !== undefined) yield { kind: { case: 'end', value: { bytes: end } } };
      }
      const refusal = async (end?: bigint) => {
        const error = await jobs.uploadJob(stream(end)).then(() => undefined, (e: unknown) => ConnectError.from(e));
        return error && { code: error.code, message: error.rawMessage };
      };
      const before = await jobIds(client);
      expect(await refusal()).toEqual({ code: Code.InvalidArgument, message: expect.stringMatching(/^end never came/) });
      expect(await refusal(7n)).toEqual({ code: Code.InvalidArgument, message: 'end.bytes is 7 but the chunks held 6 bytes' });
      // Each started a job on the first bytes, and each failed.
      const started = (await client.jobs({ limit: 20 })).filter((job) => !before.has(job.id));
      expect(started).toHaveLength(2);
      for (const job of started) {
        const ended = await client.job(job.id).wait().catch(() => client.job(job.id).get());
        expect({ state: ended.state, error: ended.error }).toEqual({ state: JobState.FAILED, error: expect.stringMatching(/^the upload broke off after 6 bytes: end/) });
      }
      const { jobId } = await jobs.uploadJob(stream(6n));
      expect((await client.job(jobId).wait()).state).toBe(JobState.SUCCEEDED);
      expect(countsOf(await readAll(client.job(jobId)))).toEqual(new Map([['a', 2], ['b', 1]]));
    }));

  it('a coordinator killed mid-upload fails the job when it starts again, instead of counting half the input', () =>
    suite.run(async ({ client, coordinator }) => {
      const before = await jobIds(client);
      let resume!: () => void;
      const resumed = new Promise<void>((resolve) => (resume = resolve));
      const uploading = client.upload({ function: 'wordcount', inputs: [], reducers: 1 }, corpusPausedAt(3 * MiB, resumed));
      const cut = await newJobAfter(client, before);
      await eventually('a map task of the first ranges is done', async () => (await client.job(cut.id).get()).phases.some((p) => p.phase === Phase.MAP && p.tasksDone >= 1));
      coordinator.kill();
      await coordinator.exited;
      await expect(uploading).rejects.toThrow();
      resume();
      await coordinator.restart();
      let ended: Job | undefined;
      await eventually('the cut job has ended', async () => {
        ended = await client.job(cut.id).get().catch(() => undefined);
        return ended !== undefined && ended.state !== JobState.RUNNING && ended.state !== JobState.QUEUED;
      });
      expect(ended!.state).toBe(JobState.FAILED);
      expect(ended!.error).toContain('the upload broke off');
      expect(ended!.resultCount).toBe(0n);
    }));
});
