import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport } from '@connectrpc/connect-node';
import { InvalidArgumentError } from '@weft/errors';
import { Health, HealthCheckResponse_ServingStatus as ServingStatus, JobService } from '@weft/proto';
import { createLogger } from '@weft/telemetry';
import { createClientFactory } from './client-factory.js';
import { startConnectServer } from './connect-server.js';
import { GrpcServer } from './grpc-server.js';
import { HealthRegistry } from './health-service.js';

const log = createLogger({ service: 'test', level: 'silent' });

describe('GrpcServer (grpc-js serving Connect-style handlers)', () => {
  it('serves unary and server-streaming calls to a Connect gRPC client and maps errors to codes', async () => {
    const health = new HealthRegistry();
    const server = new GrpcServer({ log }).add(Health, health.impl());
    server.add(JobService, {
      getJob: (request) => {
        throw new InvalidArgumentError('job_id', `must not be empty, got "${request.jobId}"`);
      },
    });
    const port = await server.listen();
    const clients = createClientFactory();
    try {
      const client = clients.client(Health, `http://127.0.0.1:${port}`);
      expect((await client.check({ service: '' })).status).toBe(ServingStatus.SERVING);
      await expect(client.check({ service: 'nope' })).rejects.toMatchObject({ code: Code.NotFound });

      const statuses: ServingStatus[] = [];
      const abort = new AbortController();
      const watching = (async () => {
        for await (const update of client.watch({ service: '' }, { signal: abort.signal })) {
          statuses.push(update.status);
          if (statuses.length === 1) health.set('', ServingStatus.NOT_SERVING);
          if (statuses.length === 2) abort.abort();
        }
      })();
      await expect(watching).rejects.toMatchObject({ code: Code.Canceled });
      expect(statuses).toEqual([ServingStatus.SERVING, ServingStatus.NOT_SERVING]);

      const jobs = clients.client(JobService, `http://127.0.0.1:${port}`);
      const error = await jobs.getJob({ jobId: '' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectError);
      expect((error as ConnectError).code).toBe(Code.InvalidArgument);
      expect((error as ConnectError).rawMessage).toBe('job_id must not be empty, got ""');
      await expect(jobs.listJobs({})).rejects.toMatchObject({ code: Code.Unimplemented });
    } finally {
      clients.close();
      await server.close(500);
    }
  });
});

describe('startConnectServer (one port, HTTP/1.1 and h2c)', () => {
  it('answers Connect JSON over HTTP/1.1 and gRPC over HTTP/2 on the same port', async () => {
    const health = new HealthRegistry();
    const server = await startConnectServer({ routes: (router) => router.service(Health, health.impl()) });
    try {
      const response = await fetch(`http://127.0.0.1:${server.port}/grpc.health.v1.Health/Check`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: 'SERVING' });

      const clients = createClientFactory();
      const grpc = clients.client(Health, `http://127.0.0.1:${server.port}`);
      expect((await grpc.check({})).status).toBe(ServingStatus.SERVING);
      clients.close();

      const connectH1 = createClient(Health, createConnectTransport({ baseUrl: `http://127.0.0.1:${server.port}`, httpVersion: '1.1' }));
      await expect(connectH1.check({ service: 'missing' })).rejects.toMatchObject({ code: Code.NotFound });
    } finally {
      await server.close(200);
    }
  });

  it.each([
    [undefined, null],
    ['never', null],
    ['always', 'gzip'],
  ] as const)('responseCompression %s: a loopback gRPC client that accepts gzip negotiates response encoding %s', async (mode, expected) => {
    const server = await startConnectServer({
      routes: (router) => router.service(Health, { check: () => ({ status: ServingStatus.SERVING }) }),
      ...(mode ? { responseCompression: mode } : {}),
    });
    try {
      let encoding: string | null = 'unset';
      const transport = createGrpcTransport({
        baseUrl: `http://127.0.0.1:${server.port}`,
        interceptors: [
          (next) => async (req) => {
            const res = await next(req);
            encoding = res.header.get('grpc-encoding');
            return res;
          },
        ],
      });
      const client = createClient(Health, transport);
      expect((await client.check({ service: 'x'.repeat(4096) })).status).toBe(ServingStatus.SERVING);
      expect(encoding).toBe(expected);
    } finally {
      await server.close(200);
    }
  });
});

