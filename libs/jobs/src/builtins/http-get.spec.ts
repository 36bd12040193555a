import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAllowedFetch } from '../allowed-fetch.js';
import { httpGet } from './http-get.js';

let server: Server;
let base = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/hello') res.writeHead(200, { 'content-type': 'text/plain' }).end('hello world');
    else if (req.url === '/to-hello') res.writeHead(302, { location: '/hello' }).end();
    else if (req.url === '/off-list') res.writeHead(301, { location: 'http://example.com/x' }).end();
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const ctx = (params: Record<string, unknown> = {}) => ({ params: { includeBody: false, maxBytes: 1_048_576, ...params }, signal: new AbortController().signal });

describe('http-get', () => {
  it('GETs a loopback URL, following a redirect on the list', async () => {
    expect(await httpGet.run(`${base}/to-hello`, ctx({ includeBody: true })))
      .toEqual({ url: `${base}/to-hello`, status: 200, bytes: 11, truncated: false, contentType: 'text/plain', body: 'hello world' });
  });

  it('stops reading at maxBytes', async () => {
    expect(await httpGet.run(`${base}/hello`, ctx({ maxBytes: 5, includeBody: true }))).toMatchObject({ bytes: 5, truncated: true, body: 'hello' });
  });

  it('refuses a host off the allow-list, and a redirect off it', async () => {
    await expect(httpGet.run('http://example.com/', ctx())).rejects.toMatchObject({
      kind: 'invalid-argument', message: 'input host "example.com" is not on the allow-list (127.0.0.1, localhost, ::1)',
    });
    await expect(httpGet.run(`${base}/off-list`, ctx())).rejects.toMatchObject({
      kind: 'failed-precondition', message: `${base}/off-list redirected to http://example.com, which is not on the allow-list (127.0.0.1, localhost, ::1)`,
    });
    await expect(httpGet.run(42, ctx())).rejects.toMatchObject({ kind: 'invalid-argument', message: 'input must be an http(s) URL string, got 42' });
  });

  it('uses the node-supplied fetch and its list', async () => {
    const fetch = createAllowedFetch(['localhost']);
    await expect(httpGet.run(`${base}/hello`, { ...ctx(), fetch })).rejects.toMatchObject({ message: 'input host "127.0.0.1" is not on the allow-list (localhost)' });
  });
});
