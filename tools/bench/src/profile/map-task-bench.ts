#!/usr/bin/env node
// `node tools/bench/dist/profile/map-task-bench.js CORPUS [OTHER_JOBS_DIST] [ROUNDS] [SPLIT_MIB] [cold]`:
// times the word count map task (runMapTask with the built-in wordcount job, 2 partitions) on this
// thread over SPLIT_MIB (default 64) MiB of CORPUS cut at a line end, as a mapper's worker thread
// runs it: its word table warm from an earlier task, or with `cold` a fresh table every task (a
// thread's first task). With OTHER_JOBS_DIST (the index.js of another build of @weft/jobs, e.g. a
// copy of the previous dist; '' for none) the two builds alternate, ROUNDS (default 7) times each,
// and every run's output (runs and counts) is compared with the other build's; it prints each build's
// median MB/s (wall and of this process's CPU time) and the ratios.
import { open } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as current from '@weft/jobs';

type Jobs = Pick<typeof current, 'runMapTask' | 'wordcount'>;

const [corpusArg, otherArg, roundsArg, splitArg, coldArg] = process.argv.slice(2);
if (!corpusArg) throw new Error('usage: map-task-bench.js CORPUS [OTHER_JOBS_DIST] [ROUNDS] [SPLIT_MIB]');
const rounds = Number(roundsArg ?? 7);
const splitBytes = Number(splitArg ?? 64) * 1024 * 1024;

const input = await readSplit(resolve(corpusArg), splitBytes);
const builds: { name: string; jobs: Jobs; mbps: number[]; cpuMbps: number[] }[] = [{ name: 'current', jobs: current, mbps: [], cpuMbps: [] }];
if (otherArg) builds.unshift({ name: otherArg, jobs: (await import(pathToFileURL(resolve(otherArg)).href)) as Jobs, mbps: [], cpuMbps: [] });

if (coldArg === 'cold') {
  // A table past WORD_TABLE_LIMITS is dropped when the next task starts: a limit of 0 entries makes every task a thread's first.
  for (const index of [import.meta.resolve('@weft/jobs'), ...(otherArg ? [pathToFileURL(resolve(otherArg)).href] : [])]) {
    const module = (await import(new URL('builtins/wordcount-bytes.js', index).href)) as { WORD_TABLE_LIMITS: { entries: number } };
    module.WORD_TABLE_LIMITS.entries = 0;
  }
}
const options = { params: {}, partitions: 2, inputLabel: 'bench', firstLine: 0, skipBadRecords: false };
// Warm-up: fills each build's word table and compiles its code, as a thread's first task would.
const reference = builds.map((b) => b.jobs.runMapTask(b.jobs.wordcount, input.slice(), options));
for (let i = 1; i < reference.length; i++) assertSameOutput(reference[0]!, reference[i]!);
for (let round = 0; round < rounds; round++) {
  for (const build of round % 2 === 0 ? builds : [...builds].reverse()) {
    const copy = input.slice(); // the task owns its input, as a transferred buffer
    const cpu = process.cpuUsage();
    const started = performance.now();
    const out = build.jobs.runMapTask(build.jobs.wordcount, copy, options);
    const ms = performance.now() - started;
    const cpuMs = cpuMsSince(cpu);
    assertSameOutput(reference[0]!, out);
    build.mbps.push(input.length / 1e6 / (ms / 1000));
    build.cpuMbps.push(input.length / 1e6 / (cpuMs / 1000));
  }
}
const show = (values: number[]): string => values.map((v) => v.toFixed(1)).join(', ');
for (const build of builds) {
  process.stdout.write(`${build.name}: median ${median(build.mbps).toFixed(1)} MB/s wall (${show(build.mbps)}), ${median(build.cpuMbps).toFixed(1)} MB/s of process CPU time (${show(build.cpuMbps)})\n`);
}
if (builds.length === 2) {
  const [other, mine] = builds as [(typeof builds)[0], (typeof builds)[0]];
  const ratio = (pick: (b: typeof other) => number[]): string => (median(pick(mine)) / median(pick(other))).toFixed(3);
  process.stdout.write(`current / other: ${ratio((b) => b.mbps)}x wall, ${ratio((b) => b.cpuMbps)}x CPU; outputs identical\n`);
}

function cpuMsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

/** The first `bytes` of `path`, extended to the end of the line the cut falls in. */
async function readSplit(path: string, bytes: number): Promise<Uint8Array> {
  const file = await open(path, 'r');
  try {
    const buffer = new Uint8Array(bytes + (1 << 20));
    const { bytesRead } = await file.read(buffer, 0, buffer.length, 0);
    const cut = bytesRead <= bytes ? bytesRead : buffer.indexOf(10, bytes - 1) + 1 || bytesRead;
    return buffer.slice(0, cut);
  } finally {
    await file.close();
  }
}

/** Throws unless both outputs have the same runs, byte for byte, and the same counts. */
function assertSameOutput(a: ReturnType<Jobs['runMapTask']>, b: ReturnType<Jobs['runMapTask']>): void {
  const same = a.partitions.length === b.partitions.length && a.partitions.every((run, p) => Buffer.from(run.buffer, run.byteOffset, run.length).equals(b.partitions[p]!));
  if (!same) throw new Error('the builds wrote different runs');
  for (const count of ['recordsIn', 'recordsOut', 'bytesIn', 'bytesOut'] as const) {
    if (a[count] !== b[count]) throw new Error(`the builds counted different ${count}: ${a[count]} and ${b[count]}`);
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[sorted.length >> 1]!;
}
