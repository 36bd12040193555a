import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ensureCorpusFile } from '@weft/corpus';
import type { ResultRecord } from '@weft/client';
import { findWorkspaceRoot } from '@weft/launcher';
import type { LocalCluster } from '@weft/launcher';
import type { CommandContext } from '../command-context.js';
import { resultsTable } from '../format/tables.js';
import { formatBytes, formatDuration } from '../format/units.js';
import { followJob } from '../progress/follow-job.js';
import { createBarView, createLineView } from '../progress/progress-view.js';
import { startReadyCluster } from '../start-ready-cluster.js';
import { renderWaterfall } from '../format/waterfall.js';
import { startLocalTraces } from '../local-traces.js';

/** Size of the demo corpus: 50 MiB, above the 50 MB the demo promises. */
export const demoCorpusBytes = 50 * 1024 * 1024;
const demoSeed = 42;

/**
 * `weft demo` (what `npm start` runs): a local cluster, a word count over a generated corpus with
 * progress, the top 10 words and the throughput, then a clean stop.
 */
export function registerDemo(program: Command, ctx: CommandContext): void {
  program
    .command('demo')
    .description('start a local cluster, count the words of a 50 MB corpus, print the top 10, stop')
    .addHelpText('after', '\nExamples:\n  $ npm start\n  $ weft demo')
    .action(async () => {
      const { io } = ctx;
      const interrupted = io.interrupted;
      const root = findWorkspaceRoot();
      const corpusPath = join(root, '.weft', 'corpus', `demo-${demoCorpusBytes}-${demoSeed}.txt`);
      await mkdir(join(root, '.weft', 'corpus'), { recursive: true });
      io.stdout.write(`corpus: ${corpusPath}\n`);
      const corpus = await ensureCorpusFile(corpusPath, { bytes: demoCorpusBytes, seed: demoSeed });
      io.stdout.write(`        ${formatBytes(corpus.bytes)}, ${corpus.lines.toLocaleString('en-US')} lines${corpus.reused ? ' (reused)' : ''}\n`);
      io.stdout.write('starting a local cluster: coordinator, 2 mappers, 2 reducers, gateway...\n');
      const traces = await startLocalTraces(io.env);
      const { cluster, client } = await startReadyCluster({ mappers: 2, reducers: 2, env: traces.env }).catch(async (err: unknown) => {
        await traces.receiver.close();
        throw err;
      });
      const abort = new AbortController();
      void interrupted.then((signal) => abort.abort(new Error(`interrupted by ${signal}`)));
      try {
        io.stdout.write(`gateway: ${cluster.gatewayUrl}\n`);
        const started = Date.now();
        const handle = await client.submit({ function: 'wordcount', inputs: [{ file: corpusPath }], reducers: 2 }, { signal: abort.signal });
        io.stdout.write(`job ${handle.id}: wordcount over ${formatBytes(corpus.bytes)}\n`);
        const view = io.stdout.isTTY ? createBarView(io.stdout) : createLineView(io.stdout);
        const job = await followJob(handle, view, abort.signal);
        const wallMs = Date.now() - started;
        const top: ResultRecord[] = [];
        for await (const r of handle.results({ order: 'value', limit: 10, signal: abort.signal })) top.push(r);
        io.stdout.write(`\ntop 10 words (of ${job.resultCount.toLocaleString('en-US')} distinct):\n${resultsTable(top)}\n`);
        const mbPerSecond = corpus.bytes / 1e6 / (wallMs / 1000);
        io.stdout.write(`throughput: ${mbPerSecond.toFixed(1)} MB/s (${formatBytes(corpus.bytes)} in ${formatDuration(wallMs)} wall time)\n`);
        const spans = job.traceId ? await traces.receiver.trace(job.traceId, { timeoutMs: 10_000 }) : [];
        io.stdout.write(`\ntrace ${job.traceId}:\n${renderWaterfall(spans, { width: io.stdout.columns })}\n`);
      } catch (err) {
        printNodeTails(cluster, ctx);
        throw err;
      } finally {
        io.stdout.write('stopping the cluster...\n');
        await cluster.stop();
        await traces.receiver.close();
      }
      io.stdout.write('done\n');
    });
}

/** The cluster's logs vanish with it: show the last lines of each node when the demo fails. */
function printNodeTails(cluster: LocalCluster, ctx: CommandContext): void {
  for (const node of cluster.nodes) {
    const lines = node.lastLogLines().slice(-8);
    if (lines.length) ctx.io.stderr.write(`--- ${node.name}\n${lines.join('\n')}\n`);
  }
}
