import { once } from 'node:events';
import * as http2 from 'node:http2';
import { http2ConnectionWindowBytes, http2StreamWindowBytes } from '@weft/client/http2';
import { Health } from '@weft/proto';
import { createLogger } from '@weft/telemetry';
import { createClientFactory } from './client-factory.js';
import { startConnectServer } from './connect-server.js';
import { GrpcServer } from './grpc-server.js';
import { HealthRegistry } from './health-service.js';

// Node leaves an HTTP/2 connection's receive window at 65,535 bytes unless told otherwise; every
// Weft server and client opens it (and each stream's) wide. These specs look at the windows the
// peer sees, over real loopback connections.

const log = createLogger({ service: 'test', level: 'silent' });
const emptyGrpcMessage = Buffer.alloc(5); // flags 0, length 0: an empty HealthCheckRequest

/** Makes one gRPC Health/Check call on a plain (narrow-window) http2 session and waits for its end. */
async function checkHealth(session: http2.ClientHttp2Session): Promise<void> {
  const stream = session.request({ ':method': 'POST', ':path': '/grpc.health.v1.Health/Check', 'content-type': 'application/grpc', te: 'trailers' });
  stream.end(emptyGrpcMessage);
  stream.resume();
  await once(stream, 'close');
}

/** The window the server lets `session` send into, once its SETTINGS and WINDOW_UPDATE arrived. */
async function serverWindows(port: number): Promise<{ stream: number | undefined; connection: number }> {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  try {
    await once(session, 'connect');
    await checkHealth(session);
    // A second round trip: by its end the server's SETTINGS and WINDOW_UPDATE have been read.
    await checkHealth(session);
    return { stream: session.remoteSettings.initialWindowSize, connection: session.state.remoteWindowSize ?? 0 };
  } finally {
    session.close();
  }
}

describe('HTTP/2 receive windows', () => {
  it('a GrpcServer opens each connection to 16 MiB and each stream to 4 MiB', async () => {
    const server = new GrpcServer({ log }).add(Health, new HealthRegistry().impl());
    const port = await server.listen();
    try {
      const windows = await serverWindows(port);
      expect(windows.stream).toBe(http2StreamWindowBytes);
      // What the client sent (two tiny requests) is already counted against the window.
      expect(windows.connection).toBeGreaterThan(http2ConnectionWindowBytes - 1024);
    } finally {
      await server.close(500);
    }
  });

  it('a Connect server (startConnectServer) does the same', async () => {
    const server = await startConnectServer({ routes: (router) => router.service(Health, new HealthRegistry().impl()) });
    try {
      const windows = await serverWindows(server.port);
      expect(windows.stream).toBe(http2StreamWindowBytes);
      expect(windows.connection).toBeGreaterThan(http2ConnectionWindowBytes - 1024);
    } finally {
      await server.close(500);
    }
  });

  it("the client factory's connections announce the same windows to the server they dial", async () => {
    // A bare http2 server answering gRPC by hand, so the windows seen are the client's alone.
    const server = http2.createServer();
    const sessions: http2.ServerHttp2Session[] = [];
    server.on('session', (session) => sessions.push(session));
    server.on('stream', (stream) => {
      stream.resume();
      stream.on('end', () => {
        stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
        stream.end(Buffer.alloc(5)); // an empty HealthCheckResponse
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    const clients = createClientFactory();
    try {
      const health = clients.client(Health, `http://127.0.0.1:${port}`);
      await health.check({ service: '' });
      await health.check({ service: '' });
      expect(sessions).toHaveLength(1);
      const [session] = sessions;
      expect(session!.remoteSettings.initialWindowSize).toBe(http2StreamWindowBytes);
      expect(session!.state.remoteWindowSize).toBeGreaterThan(http2ConnectionWindowBytes - 1024);
    } finally {
      clients.close();
      for (const session of sessions) session.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
