import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from '@connectrpc/connect';
import { createGrpcTransport, Http2SessionManager } from '@connectrpc/connect-node';
import { ClusterService } from '@weft/proto';
import { useClusterSuite } from './support/cluster-suite.js';
import { countsOf, readAll } from './support/read-results.js';
import { referenceWordCount } from './support/reference-word-count.js';

// Issue 8 item 3, "Must show": with mutual TLS on between the services, a word count gets the
// exact result; a worker with a self-signed certificate is refused (never listed, logs the failed
// handshake) while the job runs on the properly signed workers; a caller without a certificate
// cannot use the coordinator's port.

const TEXT = Array.from({ length: 400 }, (_, i) => `to be or not to be line ${i % 7} that is the question ${i % 3}`);

const suite = useClusterSuite('mtls', { mappers: 2, reducers: 1, tls: true });

describe('mutual TLS between services', () => {
  it('runs a word count with TLS between every service and gets the exact result', () =>
    suite.run(async ({ client, coordinator }) => {
      expect(coordinator.url).toMatch(/^https:\/\//);
      const job = await client.submit({ function: 'wordcount', inputs: [{ records: TEXT }], reducers: 1 });
      await job.wait();
      const expected = referenceWordCount(TEXT.join('\n'));
      expect(countsOf(await readAll(job))).toEqual(expected);
      // An upload too: the gateway's relay passes its frames on over the TLS connection to the coordinator.
      const uploaded = await client.upload({ function: 'wordcount', inputs: [], reducers: 1 }, [new TextEncoder().encode(TEXT.join('\n'))]);
      await uploaded.wait();
      expect(countsOf(await readAll(uploaded))).toEqual(expected);
    }));

  it('refuses a worker whose certificate the cluster CA did not sign, and the job still runs', () =>
    suite.run(async (cluster) => {
      const rogueCert = cluster.certificates!.selfSigned('rogue-mapper');
      const rogue = startProcess(join(process.cwd(), '..', '..', 'services', 'mapper', 'dist', 'main.js'), {
        ...process.env,
        ...rogueCert.env,
        // It trusts the cluster CA, so only the coordinator's check of ITS certificate can stop it.
        WEFT_TLS_CA_FILE: cluster.certificates!.caFile,
        COORDINATOR_URL: cluster.coordinator.url,
        MAPPER_HOST: '127.0.0.1',
        MAPPER_PORT: '0',
        MAPPER_NODE_ID: 'rogue-mapper',
        MAPPER_POOL_MAX_THREADS: '1',
      });
      try {
        const log = await waitForLog(rogue, /registration stream failed/, 20_000);
        expect(log).toMatch(/before secure TLS connection was established|certificate/i);
        const job = await cluster.client.submit({ function: 'wordcount', inputs: [{ records: TEXT }], reducers: 1 });
        await job.wait();
        expect(countsOf(await readAll(job))).toEqual(referenceWordCount(TEXT.join('\n')));
        const ids = (await cluster.client.cluster()).map((node) => node.id);
        expect(ids).toEqual(expect.arrayContaining(['mapper-1', 'mapper-2', 'reducer-1']));
        expect(ids).not.toContain('rogue-mapper');
      } finally {
        rogue.child.kill('SIGKILL');
        await rogue.exited;
      }
    }));

  it('refuses a caller without a client certificate on the coordinator port', () =>
    suite.run(async (cluster) => {
      const ca = await readFile(cluster.certificates!.caFile);
      const url = cluster.coordinator.url;
      const noCert = new Http2SessionManager(url, undefined, { ca, checkServerIdentity: () => undefined });
      const cleartext = new Http2SessionManager(url.replace(/^https:/, 'http:'));
      try {
        const tlsWithoutCert = createClient(ClusterService, createGrpcTransport({ baseUrl: url, sessionManager: noCert }));
        await expect(tlsWithoutCert.describeCluster({}, { timeoutMs: 5_000 })).rejects.toThrow(/certificate required|before secure TLS connection|CANCEL/);
        const plain = createClient(ClusterService, createGrpcTransport({ baseUrl: url.replace(/^https:/, 'http:'), sessionManager: cleartext }));
        // Cleartext HTTP/2 to the TLS port: no answer at all.
        await expect(plain.describeCluster({}, { timeoutMs: 5_000 })).rejects.toThrow();
      } finally {
        noCert.abort();
        cleartext.abort();
      }
    }));
});

interface Started {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<void>;
}

function startProcess(entry: string, env: NodeJS.ProcessEnv): Started {
  const child = spawn(process.execPath, [entry], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child, output: () => text, exited };
}

async function waitForLog(started: Started, pattern: RegExp, timeoutMs: number): Promise<string> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const line = started.output().split('\n').find((l) => pattern.test(l));
    if (line) return line;
    await sleep(100);
  }
  throw new Error(`no log line matching ${pattern} within ${timeoutMs} ms:\n${started.output()}`);
}
