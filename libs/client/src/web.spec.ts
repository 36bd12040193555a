import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { create } from '@bufbuild/protobuf';
import { createRouterTransport } from '@connectrpc/connect';
import { JobSchema, JobService, JobState } from '@weft/proto';
import * as node from './index.js';
import * as web from './web.js';

const srcDir = dirname(fileURLToPath(import.meta.url));

/** Every module specifier reachable from `entry` through relative imports, and the files visited. */
function importGraph(entry: string): { files: string[]; packages: Set<string> } {
  const files: string[] = [];
  const packages = new Set<string>();
  const visit = (file: string): void => {
    if (files.includes(file)) return;
    files.push(file);
    const source = readFileSync(join(srcDir, file), 'utf8');
    for (const [, spec] of source.matchAll(/(?:from|import)\s+'([^']+)'/g)) {
      if (spec === undefined) continue;
      if (spec.startsWith('./')) visit(spec.slice(2).replace(/\.js$/, '.ts'));
      else packages.add(spec);
    }
  };
  visit(entry);
  return { files, packages };
}

describe('@weft/client/web', () => {
  it('runs the same WeftClient over the transport it is given', async () => {
    let auth: string | null = null;
    const transport = createRouterTransport(({ service }) => {
      service(JobService, {
        submitJob(_req, ctx) {
          auth = ctx.requestHeader.get('authorization');
          return { jobId: 'j-web' };
        },
        async *watchJob() {
          yield { sequence: 1n, event: { case: 'state', value: JobState.SUCCEEDED } };
        },
        getJob: () => ({ job: create(JobSchema, { id: 'j-web', state: JobState.SUCCEEDED, resultCount: 1n }) }),
        async *readResults() {
          yield { records: [{ key: 'the', value: { kind: { case: 'int', value: 3n } } }] };
        },
      });
    });
    const client = web.createWeftClient({ url: 'https://weft.example', token: 't0k', transport });
    const job = await client.submit({ function: 'wordcount', inputs: [{ records: ['the the the'] }] });
    expect((await job.wait()).resultCount).toBe(1n);
    const results = [];
    for await (const record of job.results()) results.push(record);
    expect(results).toEqual([{ key: 'the', value: 3 }]);
    expect(auth).toBe('Bearer t0k');
  });

  it('checks the URL like the Node entry point', () => {
    expect(() => web.createWeftClient({ url: 'weft.example', transport: createRouterTransport(() => {}) })).toThrow(
      'options.url must be an http(s) URL, got "weft.example"',
    );
    expect(() => web.createWeftClient({ url: 'weft.example' })).toThrow('options.url must be an http(s) URL, got "weft.example"');
  });

  it('talks to a real server through connect-web\'s fetch transport when given none', async () => {
    const { createServer } = await import('node:http');
    const { connectNodeAdapter } = await import('@connectrpc/connect-node');
    let auth: string | undefined;
    const server = createServer(connectNodeAdapter({
      routes: ({ service }) => service(JobService, {
        getJob(request, ctx) {
          auth = ctx.requestHeader.get('authorization') ?? undefined;
          return { job: create(JobSchema, { id: request.jobId, state: JobState.RUNNING }) };
        },
      }),
    }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as { port: number };
      const client = web.createWeftClient({ url: `http://127.0.0.1:${port}`, token: 'w3b' });
      expect(await client.job('j-fetch').get()).toMatchObject({ id: 'j-fetch', state: JobState.RUNNING });
      expect(auth).toBe('Bearer w3b');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('exports exactly what the Node entry point exports', () => {
    expect(Object.keys(web).sort()).toEqual(Object.keys(node).sort());
  });

  it('reaches no Node-only module (connect-node, node:*) from web.ts', () => {
    const { files, packages } = importGraph('web.ts');
    expect(files).toContain('weft-client.ts');
    expect(packages).toContain('@connectrpc/connect-web');
    expect([...packages].filter((p) => p.startsWith('node:') || p === '@connectrpc/connect-node' || p.startsWith('@opentelemetry/'))).toEqual([]);
    // The check itself sees the Node entry point's transport.
    expect(importGraph('index.ts').packages).toContain('@connectrpc/connect-node');
  });
});
