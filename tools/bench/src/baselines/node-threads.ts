import { statSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { ByteCountTable, type ByteCountTableExport } from './byte-count-table.ts';
import { lineAlignedRanges } from './count-file-range.ts';
import { WordCounts } from './word-counts.ts';

/** What a word-count worker thread posts back: its table (buffers transferred) and token total. */
export interface RangeCountMessage {
  table: ByteCountTableExport;
  tokens: number;
}

/** Under jest (and `node src/...`) this module is TypeScript; in dist it is JavaScript. */
const WORKER_URL = new URL(`./node-threads-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);

/**
 * Baseline: the single-thread count spread over `threads` worker_threads. The file is cut into
 * line-aligned byte ranges; each worker reads its own range from disk (so reading is parallel too),
 * counts into its own table and transfers the table's buffers back; the main thread merges them.
 *
 * @param threads number of worker threads; default 2 (this machine's core count)
 * @throws RangeError when threads is not a positive integer; a worker's error if one fails
 */
export async function countWordsInFileThreaded(path: string, threads = 2): Promise<WordCounts> {
  if (!Number.isInteger(threads) || threads < 1) {
    throw new RangeError(`threads must be a positive integer, got ${threads}`);
  }
  const ranges = lineAlignedRanges(path, statSync(path).size, threads);
  const parts = await Promise.all(ranges.map(([start, end]) => runWorker({ path, start, end })));
  const table = new ByteCountTable(Math.max(...parts.map((p) => p.table.size), 16));
  let tokens = 0;
  for (const part of parts) {
    table.merge(part.table);
    tokens += part.tokens;
  }
  return new WordCounts(table, tokens);
}

function runWorker(workerData: { path: string; start: number; end: number }): Promise<RangeCountMessage> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_URL, { workerData });
    let result: RangeCountMessage | undefined;
    worker.once('message', (message: RangeCountMessage) => (result = message));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (result) resolve(result);
      else reject(new Error(`word-count worker exited with code ${code} before posting its counts`));
    });
  });
}
