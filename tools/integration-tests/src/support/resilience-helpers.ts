import type { Job, JobHandle, Node, WatchJobResponse, WeftClient } from '@weft/client';
import { JobState, Phase, type BreakerState, type TaskEventType } from '@weft/client';
import { countsOf, readAll } from './read-results.js';
import { diffCounts, noDifferences } from './reference-word-count.js';

/** Everything a job's WatchJob stream said, collected while the test does other things. */
export interface WatchLog {
  readonly events: WatchJobResponse[];
  /** Resolves once the stream ended (the job ended). */
  readonly ended: Promise<void>;
  /** Resolves with the first event that satisfies `predicate` (already seen or still to come). */
  until(predicate: (event: WatchJobResponse) => boolean, timeoutMs?: number): Promise<WatchJobResponse>;
}

/** Starts following a job's events in the background. */
export function followJob(job: JobHandle): WatchLog {
  const events: WatchJobResponse[] = [];
  const waiters: { predicate: (e: WatchJobResponse) => boolean; resolve: (e: WatchJobResponse) => void }[] = [];
  const ended = (async () => {
    for (;;) {
      try {
        for await (const event of job.watch()) {
          events.push(event);
          for (const w of [...waiters]) {
            if (w.predicate(event)) {
              waiters.splice(waiters.indexOf(w), 1);
              w.resolve(event);
            }
          }
        }
        return;
      } catch {
        // The coordinator went away (a test killed it): watch again once it is back.
        await new Promise((resolve) => setTimeout(resolve, 500));
        events.length = 0;
      }
    }
  })();
  return {
    events,
    ended,
    until(predicate, timeoutMs = 90_000) {
      const seen = events.find(predicate);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching job event within ${timeoutMs} ms; saw ${events.length} events`)), timeoutMs);
        waiters.push({ predicate, resolve: (e) => (clearTimeout(timer), resolve(e)) });
      });
    },
  };
}

/** True for a task event of `type` in `phase`. */
export function isTaskEvent(event: WatchJobResponse, type: TaskEventType, phase?: Phase): boolean {
  return event.event.case === 'task' && event.event.value.type === type && (phase === undefined || event.event.value.phase === phase);
}

/** True once the map phase reports every task done. */
export function mapPhaseDone(event: WatchJobResponse): boolean {
  const map = event.phases.find((p) => p.phase === Phase.MAP);
  return map !== undefined && map.tasksTotal > 0 && map.tasksDone === map.tasksTotal;
}

/** Notices (breaker, lost outputs...) a job's events carried. */
export function noticesOf(events: readonly WatchJobResponse[]): string[] {
  return events.flatMap((e) => (e.event.case === 'notice' ? [e.event.value] : []));
}

/** Waits for the job and checks its word counts equal `expected` exactly (every key, no extras, no repeats). */
export async function expectExactWordCount(job: JobHandle, expected: ReadonlyMap<string, number>): Promise<Job> {
  const done = await job.wait();
  expect(done.state).toBe(JobState.SUCCEEDED);
  const counts = countsOf(await readAll(job));
  expect(diffCounts(expected, counts)).toEqual(noDifferences(expected.size));
  return done;
}

/** Where a failed job says its bad record is, and the line found there in the input read independently. */
export interface BadRecordLocation {
  readonly job: Job;
  /** The file the location names. */
  readonly file: string | undefined;
  /** The byte its split starts at (0 when the location names none: the file's first split). */
  readonly fromByte: number;
  /** The line that many lines past `fromByte` in `text`. */
  readonly line: string | undefined;
}

/**
 * Waits for a job whose map throws on a bad record to fail, and reads its error's location
 * (`<file>[ (from byte N)] line M`) back against the input's `text`: the line found there should be
 * the bad record.
 */
export async function badRecordLocation(job: JobHandle, text: string): Promise<BadRecordLocation> {
  await expect(job.wait()).rejects.toThrow();
  const failed = await job.get();
  expect(failed.state).toBe(JobState.FAILED);
  const where = / \(at (.*?)(?: \(from byte (\d+)\))? line (\d+)\)$/.exec(failed.error);
  const fromByte = Number(where?.[2] ?? 0);
  const line = where ? Buffer.from(text).subarray(fromByte).toString('utf8').split('\n')[Number(where[3]) - 1] : undefined;
  return { job: failed, file: where?.[1], fromByte, line };
}

/** The coordinator's breaker state towards a node, from DescribeCluster. */
export async function breakerOf(client: WeftClient, nodeId: string): Promise<BreakerState | undefined> {
  const nodes: Node[] = await client.cluster();
  return nodes.find((n) => n.id === nodeId)?.breaker;
}

/** Polls until `check` returns true or `timeoutMs` passes (then throws naming `what`). */
export async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Counter value of a job as a number (0 when absent). */
export function counter(job: Job, name: string): number {
  return Number(job.counters[name] ?? 0n);
}
