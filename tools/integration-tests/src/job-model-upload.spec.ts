import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { JobState } from '@weft/client';
import { generateCorpusFile } from '@weft/corpus';
import { useClusterSuite } from './support/cluster-suite.js';
import { runWeft } from './support/weft-cli.js';
import { countsOf, readAll } from './support/read-results.js';
import { diffCounts, noDifferences, referenceWordCount } from './support/reference-word-count.js';

// Issue 3, "Must show": UploadJob of at least 200 MB gives the exact word count, with the gateway
// and the coordinator each staying under 300 MB of RSS (peak, read from /proc).

const MiB = 1024 * 1024;
const copies = 10;
let corpus = new Uint8Array(0);
let corpusPath = '';
let expected = new Map<string, number>();

const suite = useClusterSuite('upload', { mappers: 2, reducers: 2 }, async (dir) => {
  corpusPath = join(dir, 'corpus-20mib.txt');
  await generateCorpusFile(corpusPath, { bytes: 20 * MiB, seed: 777 });
  corpus = new Uint8Array(await readFile(corpusPath));
  // The upload is the file `copies` times, each copy ending in a newline: 10x one reference count.
  const once = referenceWordCount(new TextDecoder().decode(corpus));
  expected = new Map([...once].map(([word, n]) => [word, n * copies]));
});

/** Peak resident set size of a process, in bytes (VmHWM). */
async function peakRssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmHWM:\s+(\d+) kB$/m.exec(status);
  if (!kb) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(kb[1]) * 1024;
}

describe('UploadJob', () => {
  it('a 200 MB upload gives the exact word count; gateway and coordinator stay under 300 MB RSS', () =>
    suite.run(async (cluster) => {
      const newline = corpus.at(-1) === 0x0a ? new Uint8Array(0) : new Uint8Array([0x0a]);
      async function* body(): AsyncGenerator<Uint8Array> {
        for (let i = 0; i < copies; i++) {
          for (let offset = 0; offset < corpus.byteLength; offset += MiB) yield corpus.subarray(offset, offset + MiB);
          yield newline;
        }
      }
      const total = copies * (corpus.byteLength + newline.byteLength);
      expect(total).toBeGreaterThanOrEqual(200 * 1000 * 1000);

      const job = await cluster.client.upload({ function: 'wordcount', inputs: [], reducers: 2 }, body());
      const final = await job.wait();
      expect(final.state).toBe(JobState.SUCCEEDED);
      expect(final.counters['map.bytes_in']).toBe(BigInt(total));
      expect(diffCounts(expected, countsOf(await readAll(job)))).toEqual(noDifferences(expected.size));

      for (const node of [cluster.gateway, cluster.coordinator]) {
        const peak = await peakRssBytes(node.pid!);
        expect({ node: node.name, underLimit: peak < 300 * MiB, peakMiB: Math.round(peak / MiB) }).toMatchObject({ node: node.name, underLimit: true });
      }
    }));

  it('`weft submit --upload FILE --output-dir DIR --wait --json` streams the file and commits part files', () =>
    suite.run(async (cluster) => {
      const outputDir = join(suite.dir, 'cli-output');
      const run = await runWeft(['submit', 'wordcount', '--upload', corpusPath, '--reducers', '2', '--output-dir', outputDir, '--wait', '--json', '--gateway', cluster.gatewayUrl]);
      expect({ code: run.code, stderr: run.stderr }).toMatchObject({ code: 0 });
      expect((JSON.parse(run.stdout) as { job: { state: string } }).job.state).toBe('JOB_STATE_SUCCEEDED');
      expect((await readdir(outputDir)).sort()).toEqual(['_SUCCESS', 'part-r-00000', 'part-r-00001']);
      const fromFiles = new Map<string, number>();
      for (const part of ['part-r-00000', 'part-r-00001']) {
        for (const line of (await readFile(join(outputDir, part), 'utf8')).split('\n')) {
          if (line === '') continue;
          const tab = line.lastIndexOf('\t');
          fromFiles.set(line.slice(0, tab).replace(/\\([\\tnr])/g, (_, c: string) => ({ '\\': '\\', t: '\t', n: '\n', r: '\r' })[c]!), Number(line.slice(tab + 1)));
        }
      }
      const once = new Map([...expected].map(([word, n]) => [word, n / copies]));
      expect(diffCounts(once, fromFiles)).toEqual(noDifferences(once.size));
    }));

  it('an upload with an idempotency key already used returns the first job without storing the bytes again', () =>
    suite.run(async ({ client }) => {
      const data = [new TextEncoder().encode('a b a\n')];
      const first = await client.upload({ function: 'wordcount', inputs: [], idempotencyKey: 'upload-once' }, data);
      const again = await client.upload({ function: 'wordcount', inputs: [], idempotencyKey: 'upload-once' }, data);
      expect(again.id).toBe(first.id);
      expect((await first.wait()).state).toBe(JobState.SUCCEEDED);
      expect(countsOf(await readAll(first))).toEqual(new Map([['a', 2], ['b', 1]]));
    }));
});
