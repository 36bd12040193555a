import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import * as http from 'node:http';
import * as http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { Health, HealthCheckResponse_ServingStatus } from '@weft/proto';
import { HealthRegistry, startConnectServer, type ConnectServer } from '@weft/rpc';
import { createDashboardAssetsHandler, dashboardCsp, pickEncoding } from './dashboard-assets.js';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

// node:http sends the path byte for byte (fetch would normalise `..` away before it left).
function request(port: number, path: string, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

const indexHtml = '<!doctype html><title>Weft</title><script type="module" src="/assets/app-AB12CD34.js"></script>';
const bundle = 'console.log("dashboard")';

describe('the dashboard assets handler behind the Connect server', () => {
  let base = '';
  let server: ConnectServer;

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'weft-dashboard-assets-'));
    const dir = join(base, 'web');
    await mkdir(join(dir, 'assets'), { recursive: true });
    await writeFile(join(dir, 'index.html'), indexHtml);
    await writeFile(join(dir, 'assets', 'app-AB12CD34.js'), bundle);
    await writeFile(join(dir, 'assets', 'styles-ZX98YW76.css'), 'body{}');
    await writeFile(join(dir, 'assets', 'app-AB12CD34.js.map'), '{"version":3}');
    await writeFile(join(dir, 'assets', 'notes.txt'), 'plain');
    // Beside the served folder, with a name sharing its prefix: must never be reachable.
    await writeFile(join(base, 'secret.txt'), 'secret');
    await mkdir(join(base, 'web-other'));
    await writeFile(join(base, 'web-other', 'x.txt'), 'other');
    server = await startConnectServer({ routes: (router) => router.service(Health, new HealthRegistry().impl()), fallback: createDashboardAssetsHandler(dir) });
  });

  afterAll(async () => {
    await server.close(500);
    await rm(base, { recursive: true, force: true });
  });

  it('serves index.html for / and every client-side route, no-cache, with a CSP and nosniff', async () => {
    for (const path of ['/', '/jobs', '/jobs/job-mi2x0k-3fa9c1', '/submit', '/scatter', '/jobs?state=running']) {
      const reply = await request(server.port, path);
      expect({ path, status: reply.status, body: reply.body }).toEqual({ path, status: 200, body: indexHtml });
      expect(reply.headers).toMatchObject({
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-cache',
        'content-security-policy': dashboardCsp,
        'x-content-type-options': 'nosniff',
        'content-length': String(Buffer.byteLength(indexHtml)),
      });
    }
    expect(dashboardCsp).toContain("default-src 'self'");
    expect(dashboardCsp).not.toContain('unsafe');
  });

  it('serves hashed bundles cacheable for a year, other files no-cache, each with its type', async () => {
    const js = await request(server.port, '/assets/app-AB12CD34.js');
    expect([js.status, js.body, js.headers['content-type'], js.headers['cache-control'], js.headers['x-content-type-options']]).toEqual([200, bundle, 'text/javascript; charset=utf-8', 'public, max-age=31536000, immutable', 'nosniff']);
    const css = await request(server.port, '/assets/styles-ZX98YW76.css');
    expect([css.status, css.headers['content-type'], css.headers['cache-control']]).toEqual([200, 'text/css; charset=utf-8', 'public, max-age=31536000, immutable']);
    const map = await request(server.port, '/assets/app-AB12CD34.js.map');
    expect([map.status, map.headers['content-type'], map.headers['cache-control']]).toEqual([200, 'application/json; charset=utf-8', 'public, max-age=31536000, immutable']);
    const txt = await request(server.port, '/assets/notes.txt');
    expect([txt.status, txt.body, txt.headers['cache-control'], txt.headers['content-security-policy']]).toEqual([200, 'plain', 'no-cache', undefined]);
  });

  it('answers HEAD with the headers only', async () => {
    const reply = await request(server.port, '/assets/app-AB12CD34.js', 'HEAD');
    expect([reply.status, reply.body, reply.headers['content-length']]).toEqual([200, '', String(bundle.length)]);
  });

  it('refuses . and .. segments, encoded or not, with 400 and never reads outside the folder', async () => {
    for (const path of ['/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/%2E%2E/secret.txt', '/assets/%2e%2e%2f%2e%2e%2fsecret.txt', '/assets/..%2fsecret.txt', '/assets/..%5csecret.txt', '/./index.html', '/assets\\..\\..\\secret.txt', '/assets/%00', '/%zz', '/jobs/%2e%2e']) {
      const reply = await request(server.port, path);
      expect({ path, status: reply.status, body: reply.body }).toEqual({ path, status: 400, body: 'bad path\n' });
    }
    // A sibling folder whose name starts with the served one's is outside it too.
    expect((await request(server.port, '/../web-other/x.txt')).status).toBe(400);
  });

  it('answers 404 with no body for anything else, like Connect itself, so unknown RPCs stay UNIMPLEMENTED', async () => {
    for (const [path, method] of [['/missing.js', 'GET'], ['/assets/', 'GET'], ['/assets', 'GET'], ['/jobs/a/b', 'GET'], ['/weft.cluster.v1.WorkerRegistry/RegisterWorker', 'POST'], ['/nope', 'DELETE']]) {
      const reply = await request(server.port, path as string, method);
      expect({ path, status: reply.status, body: reply.body }).toEqual({ path, status: 404, body: '' });
    }
  });

  it('answers 405 naming GET and HEAD for other methods on the dashboard’s own paths', async () => {
    for (const [path, method] of [['/', 'POST'], ['/jobs/job-1', 'PUT'], ['/assets/app-AB12CD34.js', 'DELETE']]) {
      const reply = await request(server.port, path as string, method);
      expect({ path, status: reply.status, allow: reply.headers.allow }).toEqual({ path, status: 405, allow: 'GET, HEAD' });
    }
  });

  it('leaves RPCs to the router, and serves files over h2c too', async () => {
    const health = createClient(Health, createConnectTransport({ baseUrl: `http://127.0.0.1:${server.port}`, httpVersion: '1.1' }));
    expect((await health.check({})).status).toBe(HealthCheckResponse_ServingStatus.SERVING);

    const session = http2.connect(`http://127.0.0.1:${server.port}`);
    try {
      const reply = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const stream = session.request({ ':path': '/jobs/job-1', ':method': 'GET' });
        let status = 0;
        const chunks: Buffer[] = [];
        stream.on('response', (headers) => (status = Number(headers[':status'])));
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => resolve({ status, body: Buffer.concat(chunks).toString('utf8') }));
        stream.on('error', reject);
        stream.end();
      });
      expect(reply).toEqual({ status: 200, body: indexHtml });
    } finally {
      session.close();
    }
  });
});

describe('the dashboard assets handler before the dashboard is built', () => {
  it('says so on its pages, and 404s the rest', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'weft-dashboard-empty-'));
    const server = await startConnectServer({ routes: () => {}, fallback: createDashboardAssetsHandler(join(dir, 'missing')) });
    try {
      const page = await request(server.port, '/');
      expect([page.status, page.body]).toEqual([404, 'the dashboard is not built: run `npm run build`\n']);
      expect((await request(server.port, '/assets/app-AB12CD34.js')).status).toBe(404);
    } finally {
      await server.close(500);
      await rm(dir, { recursive: true, force: true });
    }
  });
});

function requestBytes(port: number, path: string, headers: http.OutgoingHttpHeaders, method = 'GET'): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the dashboard assets handler compresses text files for clients that accept it', () => {
  let base = '';
  let dir = '';
  let server: http.Server;
  let port = 0;
  // ~40 KiB of a bundle-like text, and a page over 1 KiB.
  const bigBundle = Array.from({ length: 800 }, (_, i) => `export const value${i} = ${i} * 2; // dashboard code line ${i}\n`).join('');
  const bigPage = `<!doctype html><title>Weft</title>${'<!-- padding -->'.repeat(100)}<script type="module" src="/assets/app-AB12CD34.js"></script>`;

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'weft-dashboard-compress-'));
    dir = join(base, 'web');
    await mkdir(join(dir, 'assets'), { recursive: true });
    await writeFile(join(dir, 'index.html'), bigPage);
    await writeFile(join(dir, 'assets', 'app-AB12CD34.js'), bigBundle);
    await writeFile(join(dir, 'assets', 'small-AB12CD34.js'), bundle);
    await writeFile(join(dir, 'assets', 'logo.png'), Buffer.alloc(4096, 7));
    server = http.createServer(createDashboardAssetsHandler(dir));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await rm(base, { recursive: true, force: true });
  });

  it('answers br to a client that accepts it, gzip to one that accepts only gzip, and the file itself to the rest', async () => {
    const br = await requestBytes(port, '/assets/app-AB12CD34.js', { 'accept-encoding': 'gzip, deflate, br' });
    expect(br.headers).toMatchObject({ 'content-encoding': 'br', vary: 'accept-encoding', 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'public, max-age=31536000, immutable', 'content-length': String(br.body.length) });
    expect(brotliDecompressSync(br.body).toString('utf8')).toBe(bigBundle);
    expect(br.body.length).toBeLessThan(bigBundle.length / 4);

    const gz = await requestBytes(port, '/assets/app-AB12CD34.js', { 'accept-encoding': 'br;q=0, gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).toString('utf8')).toBe(bigBundle);

    for (const accept of [undefined, 'identity', 'gzip;q=0, br;q=0']) {
      const plain = await requestBytes(port, '/assets/app-AB12CD34.js', accept === undefined ? {} : { 'accept-encoding': accept });
      expect([plain.headers['content-encoding'], plain.headers.vary, plain.body.toString('utf8')]).toEqual([undefined, 'accept-encoding', bigBundle]);
    }
  });

  it('leaves small files and types that do not compress as they are; pages keep their security headers', async () => {
    const small = await requestBytes(port, '/assets/small-AB12CD34.js', { 'accept-encoding': 'br' });
    expect([small.headers['content-encoding'], small.headers.vary, small.body.toString('utf8')]).toEqual([undefined, undefined, bundle]);
    const png = await requestBytes(port, '/assets/logo.png', { 'accept-encoding': 'br' });
    expect([png.headers['content-encoding'], png.body.length]).toEqual([undefined, 4096]);
    const page = await requestBytes(port, '/jobs', { 'accept-encoding': 'br' });
    expect(page.headers).toMatchObject({ 'content-encoding': 'br', 'content-security-policy': dashboardCsp, 'cache-control': 'no-cache' });
    expect(brotliDecompressSync(page.body).toString('utf8')).toBe(bigPage);
  });

  it('answers HEAD with the compressed headers and no body, and compresses a changed file afresh', async () => {
    const get = await requestBytes(port, '/assets/app-AB12CD34.js', { 'accept-encoding': 'br' });
    const head = await requestBytes(port, '/assets/app-AB12CD34.js', { 'accept-encoding': 'br' }, 'HEAD');
    expect([head.headers['content-encoding'], head.headers['content-length'], head.body.length]).toEqual(['br', String(get.body.length), 0]);

    const changed = `${bigBundle}export const added = true;\n`;
    await writeFile(join(dir, 'assets', 'app-AB12CD34.js'), changed);
    const after = await requestBytes(port, '/assets/app-AB12CD34.js', { 'accept-encoding': 'br' });
    expect(brotliDecompressSync(after.body).toString('utf8')).toBe(changed);
    await writeFile(join(dir, 'assets', 'app-AB12CD34.js'), bigBundle);
  });

  it('is not asked on loopback behind a Connect server in its default mode (remote), which drops accept-encoding there', async () => {
    const connect = await startConnectServer({ routes: (router) => router.service(Health, new HealthRegistry().impl()), fallback: createDashboardAssetsHandler(dir) });
    try {
      const reply = await requestBytes(connect.port, '/assets/app-AB12CD34.js', { 'accept-encoding': 'br, gzip' });
      expect([reply.headers['content-encoding'], reply.body.toString('utf8')]).toEqual([undefined, bigBundle]);
    } finally {
      await connect.close(500);
    }
  });
});

describe('pickEncoding', () => {
  it.each([
    ['gzip, deflate, br', 'br'],
    ['gzip, br', 'br'],
    ['br;q=0.5, gzip', 'gzip'],
    ['br;q=0.1, gzip;q=0.9', 'gzip'],
    ['gzip;q=0.5, br;q=0.8', 'br'],
    ['BR', 'br'],
    ['gzip', 'gzip'],
    ['*', 'br'],
    ['gzip;q=0, *', 'br'],
    ['br;q=0, *', 'gzip'],
    ['br;q=0, gzip', 'gzip'],
    ['br;q=0, gzip;q=0', undefined],
    ['*;q=0', undefined],
    ['identity', undefined],
    ['', undefined],
    [undefined, undefined],
    [['gzip;q=0.2', 'br;q=0.1'], 'gzip'],
    ['gzip;;;q', undefined],
  ])('%s -> %s', (header, expected) => {
    expect(pickEncoding(header)).toBe(expected);
  });
});
