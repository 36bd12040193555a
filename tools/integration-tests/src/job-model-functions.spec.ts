import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JobState } from '@weft/client';
import type { JobSpecInit, ScatterEvent, WeftClient } from '@weft/client';
import { generateCorpusText } from '@weft/corpus';
import { useClusterSuite } from './support/cluster-suite.js';
import { rejectionOf, type Rejection } from './support/rejection-of.js';
import { countsOf, readAll } from './support/read-results.js';
import { diffCounts, noDifferences, referenceWordCount } from './support/reference-word-count.js';

// Issue 3, "Must show": a user function module listed in configuration runs as a job (and as a
// scatter function); http-get reaches only allow-listed hosts, redirects included; URL inputs are
// read by the mappers; an output directory gets one part file per reduce partition, committed.

const userModule = fileURLToPath(new URL('../fixtures/user-functions.mjs', import.meta.url));
const suite = useClusterSuite('functions', {
  mappers: 2,
  reducers: 2,
  env: { WEFT_FUNCTION_MODULES: userModule, COORDINATOR_INPUT_ROOTS: tmpdir() },
});

const corpusText = generateCorpusText({ bytes: 2 * 1024 * 1024, seed: 99 });
let server: Server;
let base = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/corpus.txt') res.writeHead(200, { 'content-type': 'text/plain' }).end(corpusText);
    else if (req.url === '/hello') res.writeHead(200, { 'content-type': 'text/plain' }).end('hello, weft');
    else if (req.url === '/to-hello') res.writeHead(302, { location: '/hello' }).end();
    else if (req.url === '/off-list') res.writeHead(302, { location: 'http://example.com/' }).end();
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** Undoes the part files' field escaping (\\, \t, \n, \r). */
const unescapeTsv = (field: string): string => field.replace(/\\([\\tnr])/g, (_, c: string) => ({ '\\': '\\', t: '\t', n: '\n', r: '\r' })[c]!);

async function scatterItems(client: WeftClient, init: Parameters<WeftClient['scatter']>[0]): Promise<Extract<ScatterEvent, { type: 'item' }>[]> {
  const items: Extract<ScatterEvent, { type: 'item' }>[] = [];
  for await (const event of client.scatter(init)) if (event.type === 'item') items.push(event);
  return items.sort((a, b) => a.index - b.index);
}

describe('functions, URLs and outputs', () => {
  it('a user module from WEFT_FUNCTION_MODULES runs as a job and as a scatter function on every node', () =>
    suite.run(async ({ client }) => {
      const functions = await client.functions();
      expect(functions.filter((f) => f.source === userModule).map((f) => f.name).sort()).toEqual(['letter-count', 'piped-words', 'slow-lines', 'square']);
      // Whether a timed-out item is retried: declared by the function (the built-ins are), never by a job.
      const idempotent = new Map(functions.map((f) => [f.name, f.idempotent]));
      expect([idempotent.get('echo'), idempotent.get('square'), idempotent.get('letter-count')]).toEqual([true, false, false]);

      const records = ['Hello, World!', 'The quick brown fox jumps over the lazy dog', 'ÅÄÖ abc ABC'];
      const job = await client.submit({ function: 'letter-count', inputs: [{ records }], reducers: 2 });
      expect((await job.wait()).state).toBe(JobState.SUCCEEDED);
      const expected = new Map<string, number>();
      for (const ch of records.join('').toLowerCase()) if (/[a-z]/.test(ch)) expected.set(ch, (expected.get(ch) ?? 0) + 1);
      expect(countsOf(await readAll(job))).toEqual(new Map([...expected].sort()));

      const items = await scatterItems(client, { function: 'square', params: { offset: 1 }, inputs: [1, 2, 3, 40], maxConcurrency: 4 });
      expect(items.map((e) => (e.ok ? e.value : e.error))).toEqual([2, 5, 10, 1601]);
    }));

  it("a job's stages chain line transforms before map inside each map task", () =>
    suite.run(async ({ client }) => {
      const records = ['# header a b', 'A b|b C', 'c|#not-a-comment d', '#x'];
      const job = await client.submit({ function: 'piped-words', inputs: [{ records }], reducers: 2 });
      expect((await job.wait()).state).toBe(JobState.SUCCEEDED);
      expect(countsOf(await readAll(job))).toEqual(new Map([['#not-a-comment', 1], ['a', 1], ['b', 2], ['c', 2], ['d', 1]]));
    }));

  it('http-get reaches allow-listed hosts only, redirects included', () =>
    suite.run(async ({ client }) => {
      const inputs = [`${base}/hello`, `${base}/to-hello`, `${base}/off-list`, 'http://example.com/', `${base}/missing`];
      const items = await scatterItems(client, { function: 'http-get', params: { includeBody: true }, inputs, maxConcurrency: 5 });
      expect(items.map((e) => (e.ok ? e.value : e.error))).toEqual([
        { url: inputs[0], status: 200, bytes: 11, truncated: false, contentType: 'text/plain', body: 'hello, weft' },
        { url: inputs[1], status: 200, bytes: 11, truncated: false, contentType: 'text/plain', body: 'hello, weft' },
        { code: 9, message: `${base}/off-list redirected to http://example.com, which is not on the allow-list (127.0.0.1, localhost, ::1)` },
        { code: 3, message: 'input host "example.com" is not on the allow-list (127.0.0.1, localhost, ::1)' },
        { url: inputs[4], status: 404, bytes: 0, truncated: false, contentType: '', body: '' },
      ]);
    }));

  it('a URL input is read by the mappers: exact word count', () =>
    suite.run(async ({ client }) => {
      const job = await client.submit({ function: 'wordcount', inputs: [{ url: `${base}/corpus.txt` }, { records: ['extra Words here'] }], reducers: 2 });
      expect((await job.wait()).state).toBe(JobState.SUCCEEDED);
      const expected = referenceWordCount(`${corpusText}\nextra Words here`);
      expect(diffCounts(expected, countsOf(await readAll(job)))).toEqual(noDifferences(expected.size));
    }));

  it('an output directory gets one committed part file per reduce partition', () =>
    suite.run(async ({ client }) => {
      const outputDir = join(suite.dir, 'output');
      const job = await client.submit({ function: 'wordcount', inputs: [{ url: `${base}/corpus.txt` }], reducers: 3, outputDir });
      expect((await job.wait()).state).toBe(JobState.SUCCEEDED);
      expect((await readdir(outputDir)).sort()).toEqual(['_SUCCESS', 'part-r-00000', 'part-r-00001', 'part-r-00002']);
      const fromFiles = new Map<string, number>();
      for (const part of ['part-r-00000', 'part-r-00001', 'part-r-00002']) {
        const lines = (await readFile(join(outputDir, part), 'utf8')).split('\n').filter((l) => l !== '');
        const keys = lines.map((l) => unescapeTsv(l.slice(0, l.lastIndexOf('\t'))));
        expect(keys).toEqual([...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
        for (const line of lines) fromFiles.set(unescapeTsv(line.slice(0, line.lastIndexOf('\t'))), Number(line.slice(line.lastIndexOf('\t') + 1)));
      }
      const expected = referenceWordCount(corpusText);
      expect(diffCounts(expected, fromFiles)).toEqual(noDifferences(expected.size));
    }));
});

// Issue 3, "Must show": bad input, each with its code and a message naming the field. (Checked in
// a fixed order by the coordinator; each spec is valid except for the one thing its case names.)
describe('bad job input', () => {
  const invalid = (message: string) => ({ code: 'InvalidArgument', message });
  const records = ['one line'];
  it.each<[string, () => JobSpecInit, () => Rejection]>([
    ['an unknown function', () => ({ function: 'nope', inputs: [{ records }] }), () => ({ code: 'NotFound', message: 'no job named "nope" is registered' })],
    ['params of the wrong type', () => ({ function: 'grep', params: { pattern: 42 }, inputs: [{ records }] }), () => invalid('spec.params.pattern must be a string, got 42')],
    ['an unknown param', () => ({ function: 'wordcount', params: { lang: 'en' }, inputs: [{ records }] }), () => invalid('spec.params.lang is not a parameter of wordcount (it takes none)')],
    ['a regex that does not compile', () => ({ function: 'grep', params: { pattern: '(' }, inputs: [{ records }] }),
      () => invalid('spec.params.pattern is not a valid regular expression: Invalid regular expression: /(/: Unterminated group')],
    ['an empty input list', () => ({ function: 'wordcount', inputs: [] }), () => invalid('spec.inputs must contain at least one input')],
    ['an input URL outside the allow-list', () => ({ function: 'wordcount', inputs: [{ records }, { url: 'http://example.com/a.txt' }] }),
      () => invalid('spec.inputs[1].url.url host "example.com" is not on the allow-list (127.0.0.1, localhost, ::1)')],
    ['an input URL that is not http(s)', () => ({ function: 'wordcount', inputs: [{ url: 'file:///etc/passwd' }] }), () => invalid('spec.inputs[0].url.url must use http or https, got file')],
    ['a path outside the allowed input roots', () => ({ function: 'wordcount', inputs: [{ file: '/etc/passwd' }] }),
      () => invalid(`spec.inputs[0].file.path is outside the allowed input roots (${tmpdir()}): /etc/passwd`)],
    ['a relative output dir', () => ({ function: 'wordcount', inputs: [{ records }], outputDir: 'out' }), () => invalid('spec.output_dir must be an absolute path, got "out"')],
    ['an output dir that is not empty', () => ({ function: 'wordcount', inputs: [{ records }], outputDir: suite.dir }), () => invalid(`spec.output_dir must be empty or not exist yet: ${suite.dir}`)],
    ['an output dir outside the roots', () => ({ function: 'wordcount', inputs: [{ records }], outputDir: '/var/weft-out' }),
      () => invalid(`spec.output_dir is outside the allowed input roots (${tmpdir()}): /var/weft-out`)],
  ])('rejects %s', (_name, spec, expected) =>
    suite.run(async ({ client }) => {
      expect(await rejectionOf(client.submit(spec()))).toEqual(expected());
    }));

  it('rejects an upload whose spec is bad before taking its bytes, and one with no input at all', () =>
    suite.run(async ({ client }) => {
      let pulled = 0;
      function* data(): Generator<Uint8Array> {
        for (; pulled < 1000; pulled++) yield new Uint8Array(64 * 1024).fill(0x61);
      }
      expect(await rejectionOf(client.upload({ function: 'nope', inputs: [] }, data()))).toEqual({ code: 'NotFound', message: 'no job named "nope" is registered' });
      expect(pulled).toBeLessThan(1000);
      expect(await rejectionOf(client.upload({ function: 'wordcount', inputs: [] }, []))).toEqual(invalid('spec.inputs must contain at least one input when the upload carries no bytes'));
    }));
});
