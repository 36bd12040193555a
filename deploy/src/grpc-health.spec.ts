import { createServer, type Http2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { checkHealth, servingStatus } from './grpc-health.js';

/** A stand-in gRPC server answering Health/Check with a fixed body and grpc-status. */
async function fakeHealthServer(body: Buffer, grpcStatus: string): Promise<{ port: number; server: Http2Server; paths: string[] }> {
  const paths: string[] = [];
  const server = createServer((req, res) => {
    paths.push(req.url);
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/grpc' });
      res.addTrailers({ 'grpc-status': grpcStatus });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, server, paths };
}

function frame(message: number[]): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(message.length, 1);
  return Buffer.concat([header, Buffer.from(message)]);
}

describe('checkHealth', () => {
  const servers: Http2Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
  });

  it('decodes the serving status from grpc.health.v1.Health/Check over h2c', async () => {
    const fake = await fakeHealthServer(frame([0x08, servingStatus.NOT_SERVING]), '0');
    servers.push(fake.server);
    await expect(checkHealth('127.0.0.1', fake.port)).resolves.toBe(servingStatus.NOT_SERVING);
    expect(fake.paths).toEqual(['/grpc.health.v1.Health/Check']);
  });

  it('reads an empty response as UNKNOWN, as proto3 omits a zero status', async () => {
    const fake = await fakeHealthServer(frame([]), '0');
    servers.push(fake.server);
    await expect(checkHealth('127.0.0.1', fake.port)).resolves.toBe(servingStatus.UNKNOWN);
  });

  it('rejects a non-OK grpc-status, as the kubelet fails the probe', async () => {
    const fake = await fakeHealthServer(Buffer.alloc(0), '5');
    servers.push(fake.server);
    await expect(checkHealth('127.0.0.1', fake.port)).rejects.toThrow('grpc-status 5');
  });
});
