import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { JobState } from '@weft/client';
import { generateCorpusFile } from '@weft/corpus';
import { useClusterSuite } from './support/cluster-suite.js';
import { countsOf, readAll } from './support/read-results.js';
import { diffCounts, noDifferences, referenceWordCount } from './support/reference-word-count.js';

// Issue 3, "Must show": UploadJob of at least 200 MB gives the exact word count, with the gateway
// and the coordinator each staying under 300 MB of RSS (peak, read from /proc).

const MiB = 1024 * 1024;
const copies = 10;
let corpus = new Uint8Array(0);
let expected = new Map<string, number>();

const suite = useClusterSuite('upload', { mappers: 2, reducers: 2 }, async (dir) => {
  const path = join(dir, 'corpus-20mib.txt');
  await generateCorpusFile(path, { bytes: 20 * MiB, seed: 777 });
  corpus = new Uint8Array(await readFile(path));
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
});
