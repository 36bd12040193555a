#!/usr/bin/env node
// Issue 3: UploadJob of 1 GiB through the gateway, with each service's peak RSS.
//
//   npx nx run-many -t build && node tools/integration-tests/scripts/upload-1gb.mjs [--mib 1024]
//
// Starts a local cluster (2 mappers, 2 reducers), streams a 64 MiB generated corpus N times as
// one UploadJob (1 MiB chunks), waits for the word count, checks every count against an
// independent in-process count of the corpus times N, and prints the peak RSS (VmHWM) of the
// gateway and the coordinator, which must each stay under 300 MiB. Exit code 1 on any failure.
import { readFile } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCorpusFile } from '@weft/corpus';
import { startCluster } from '@weft/testing';

const MiB = 1024 * 1024;
const totalMiB = Number(process.argv[process.argv.indexOf('--mib') + 1] || 1024) || 1024;
const pieceMiB = 64;
const copies = Math.max(1, Math.round(totalMiB / pieceMiB));

const dir = await mkdtemp(join(tmpdir(), 'weft-upload-1gb-'));
const corpusPath = join(dir, 'corpus.txt');
await generateCorpusFile(corpusPath, { bytes: pieceMiB * MiB, seed: 2024 });
const corpus = await readFile(corpusPath);
const text = corpus.toString('utf8');
// Independent count, as Python's text.lower().split() (whitespace spelled out, not JS \s).
const ws = /[\t\n\v\f\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/u;
const expected = new Map();
for (const line of text.split('\n')) for (const w of line.toLowerCase().split(ws)) if (w) expected.set(w, (expected.get(w) ?? 0) + copies);

const peak = async (pid) => Number(/^VmHWM:\s+(\d+) kB$/m.exec(await readFile(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;
const cluster = await startCluster({ mappers: 2, reducers: 2, logDir: join(dir, 'logs') });
let failed = false;
try {
  const separator = corpus.at(-1) === 0x0a ? Buffer.alloc(0) : Buffer.from('\n');
  async function* body() {
    for (let i = 0; i < copies; i++) {
      for (let o = 0; o < corpus.length; o += MiB) yield corpus.subarray(o, o + MiB);
      yield separator;
    }
  }
  const bytes = copies * (corpus.length + separator.length);
  const started = Date.now();
  const job = await cluster.client.upload({ function: 'wordcount', inputs: [], reducers: 2 }, body());
  const uploadedMs = Date.now() - started;
  const done = await job.wait();
  const jobMs = Date.now() - started;
  let mismatches = 0;
  let seen = 0;
  for await (const { key, value } of job.results()) {
    seen++;
    if (expected.get(key) !== value) mismatches++;
  }
  mismatches += Math.abs(expected.size - seen);
  const gatewayPeak = await peak(cluster.gateway.pid);
  const coordinatorPeak = await peak(cluster.coordinator.pid);
  const report = {
    uploadedMiB: Math.round(bytes / MiB),
    state: done.state === 3 ? 'SUCCEEDED' : String(done.state),
    uploadSeconds: +(uploadedMs / 1000).toFixed(1),
    totalSeconds: +(jobMs / 1000).toFixed(1),
    distinctWords: seen,
    mismatches,
    gatewayPeakRssMiB: Math.round(gatewayPeak / MiB),
    coordinatorPeakRssMiB: Math.round(coordinatorPeak / MiB),
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  failed = mismatches > 0 || gatewayPeak >= 300 * MiB || coordinatorPeak >= 300 * MiB || report.state !== 'SUCCEEDED';
} finally {
  await cluster.stop();
  if (!failed) await rm(dir, { recursive: true, force: true });
  else process.stderr.write(`kept inputs and logs in ${dir}\n`);
}
process.exitCode = failed ? 1 : 0;
