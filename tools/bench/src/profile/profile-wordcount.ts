#!/usr/bin/env node
// `node tools/bench/dist/profile/profile-wordcount.js [CORPUS] [OUT_DIR] [--function NAME]
// [--mappers N] [--reducers N]`: runs scenario (a) once (word count of the corpus file, 2 mappers +
// 2 reducers, 1 worker thread each; `--function bench-shuffle --mappers 1 --reducers 1` profiles
// scenario (g) instead) with every service
// under `node --cpu-prof`, then prints where each thread of every service spent its time (top
// self-time functions), mappers and reducers first. Profiles are written by V8 when each thread exits, so the cluster is
// stopped gracefully before reading them.
import { readdir, readFile, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { findWorkspaceRoot } from '@weft/launcher';
import { withBenchCluster } from '../cluster/bench-cluster.js';
import { measureJob } from '../cluster/measure-job.js';
import { BENCH_JOBS_MODULE, DEFAULT_WORK_DIR } from '../paths.js';
import { summarizeCpuProfile, type CpuProfile } from './cpu-profile-summary.js';

const { positionals, values: flags } = parseArgs({
  allowPositionals: true,
  options: { function: { type: 'string', default: 'wordcount' }, mappers: { type: 'string', default: '2' }, reducers: { type: 'string', default: '2' } },
});
const corpus = resolve(positionals[0] ?? join(DEFAULT_WORK_DIR, 'corpus-268435456-seed42.txt'));
const outDir = resolve(positionals[1] ?? join(DEFAULT_WORK_DIR, 'profiles', new Date().toISOString().replace(/[:.]/g, '-')));
const reducers = Number(flags.reducers);
await mkdir(outDir, { recursive: true });
const names = new Map<number, string>();
const measured = await withBenchCluster(
  { mappers: Number(flags.mappers), reducers, env: { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${outDir}`, WEFT_FUNCTION_MODULES: BENCH_JOBS_MODULE } },
  async (cluster) => {
    for (const node of cluster.nodes) if (node.pid !== undefined) names.set(node.pid, node.name);
    return measureJob(() => cluster.client.submit({ function: flags.function, inputs: [{ file: corpus }], reducers }), () => []);
  },
);
const root = pathToFileURL(`${findWorkspaceRoot()}/`).href;
const lines: string[] = [`# CPU profile of ${flags.function} (${flags.mappers} mappers, ${reducers} reducers): ${corpus}`, '', `Job: ${measured.jobMs.toFixed(0)} ms to the job's end, ${measured.elapsedMs.toFixed(0)} ms to the last result read.`, ''];
// CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile
const profiles = (await readdir(outDir))
  .filter((f) => f.endsWith('.cpuprofile'))
  .map((file) => {
    const [, , , pid = '', thread = ''] = file.split('.');
    return { file, thread, name: names.get(Number(pid)) ?? `pid ${pid}` };
  });
const order = ['mapper', 'reducer', 'coordinator', 'gateway'];
const rank = (name: string): number => order.findIndex((role) => name.startsWith(role)) >>> 0;
profiles.sort((a, b) => rank(a.name) - rank(b.name) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) || a.thread.localeCompare(b.thread));
for (const { file, thread, name } of profiles) {
  const summary = summarizeCpuProfile(JSON.parse(await readFile(join(outDir, file), 'utf8')) as CpuProfile, 12, root);
  const busy = summary.totalMs - summary.idleMs;
  lines.push(`## ${name}, ${thread === '0' ? 'main thread' : `worker thread ${thread}`} (${file})`, '');
  lines.push(`${(summary.totalMs / 1000).toFixed(1)} s profiled, ${(busy / 1000).toFixed(1)} s busy (${((100 * busy) / summary.totalMs).toFixed(0)}%).`, '');
  lines.push('| self ms | share of busy | function |', '| ---: | ---: | --- |');
  for (const t of summary.top) lines.push(`| ${t.ms.toFixed(0)} | ${(100 * t.share).toFixed(1)}% | \`${t.function}\` |`);
  lines.push('');
}
process.stdout.write(`${lines.join('\n')}\n`);
