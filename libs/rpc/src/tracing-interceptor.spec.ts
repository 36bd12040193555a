import { Code } from '@connectrpc/connect';
import { SpanKind, SpanStatusCode, context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { InvalidArgumentError } from '@weft/errors';
import { Health, JobService } from '@weft/proto';
import { createLogger, weftTracer } from '@weft/telemetry';
import { createClientFactory } from './client-factory.js';
import { startConnectServer } from './connect-server.js';
import { GrpcServer } from './grpc-server.js';
import { HealthRegistry } from './health-service.js';

// Propagation through both server stacks, with a real SDK in this one process: the CLIENT span
// (from the client factory's interceptor) is the parent of the SERVER span, and a streaming
// handler's work, across its awaits, stays inside the server span.

const log = createLogger({ service: 'test', level: 'silent' });
const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
});
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  propagation.disable();
  context.disable();
});
beforeEach(() => exporter.reset());

/** The service both stacks serve: a unary method that fails, and a stream whose work opens a span after an await. */
const impl = {
  getJob(request: { jobId: string }) {
    throw new InvalidArgumentError('job_id', `must not be empty, got "${request.jobId}"`);
  },
  async *watchJob() {
    await new Promise((resolve) => setTimeout(resolve, 5));
    weftTracer().startSpan('work inside the stream').end();
    yield {};
    await new Promise((resolve) => setTimeout(resolve, 5));
    yield {};
  },
};

const servers = {
  'grpc-js (GrpcServer)': async () => {
    const server = new GrpcServer({ log }).add(JobService, impl);
    const port = await server.listen();
    return { url: `http://127.0.0.1:${port}`, close: () => server.close(500) };
  },
  'connect-node (startConnectServer)': async () => {
    const server = await startConnectServer({ routes: (router) => router.service(JobService, impl) });
    return { url: `http://127.0.0.1:${server.port}`, close: () => server.close(500) };
  },
};

describe.each(Object.entries(servers))('RPC spans on %s', (_name, start) => {
  const byName = (name: string): ReadableSpan[] => exporter.getFinishedSpans().filter((s) => s.name === name);

  it('continues the caller\u2019s trace: client span -> server span -> work of a streaming handler', async () => {
    const server = await start();
    const clients = createClientFactory();
    try {
      const root = weftTracer().startSpan('caller');
      await context.with(trace.setSpan(context.active(), root), async () => {
        for await (const _ of clients.client(JobService, server.url).watchJob({ jobId: 'j' })) void _;
      });
      root.end();
      const [client] = byName('weft.v1.JobService/WatchJob').filter((s) => s.kind === SpanKind.CLIENT);
      const [serverSpan] = byName('weft.v1.JobService/WatchJob').filter((s) => s.kind === SpanKind.SERVER);
      const [work] = byName('work inside the stream');
      expect(client?.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
      expect(serverSpan?.parentSpanContext?.spanId).toBe(client!.spanContext().spanId);
      expect(work?.parentSpanContext?.spanId).toBe(serverSpan!.spanContext().spanId);
      expect(new Set([client, serverSpan, work].map((s) => s!.spanContext().traceId))).toEqual(new Set([root.spanContext().traceId]));
      expect(serverSpan!.attributes).toMatchObject({ 'rpc.system': 'grpc', 'rpc.service': 'weft.v1.JobService', 'rpc.method': 'WatchJob', 'rpc.grpc.status_code': 0 });
    } finally {
      clients.close();
      await server.close();
    }
  });

  it('sets status codes: the client span of a failed call is an error, the server span only for server faults', async () => {
    const server = await start();
    const clients = createClientFactory();
    try {
      await expect(clients.client(JobService, server.url).getJob({ jobId: '' })).rejects.toMatchObject({ code: Code.InvalidArgument });
      const spans = byName('weft.v1.JobService/GetJob');
      const client = spans.find((s) => s.kind === SpanKind.CLIENT)!;
      const serverSpan = spans.find((s) => s.kind === SpanKind.SERVER)!;
      expect(client.attributes['rpc.grpc.status_code']).toBe(Code.InvalidArgument);
      expect(client.status).toMatchObject({ code: SpanStatusCode.ERROR, message: 'InvalidArgument: job_id must not be empty, got ""' });
      // INVALID_ARGUMENT is the caller's mistake: per the gRPC semantic conventions the server span stays unset.
      expect(serverSpan.attributes['rpc.grpc.status_code']).toBe(Code.InvalidArgument);
      expect(serverSpan.status.code).toBe(SpanStatusCode.UNSET);
    } finally {
      clients.close();
      await server.close();
    }
  });
});

describe('health checks', () => {
  it('make no spans (probes every second would bury the jobs\u2019 traces)', async () => {
    const server = new GrpcServer({ log }).add(Health, new HealthRegistry().impl());
    const port = await server.listen();
    const clients = createClientFactory();
    try {
      await clients.client(Health, `http://127.0.0.1:${port}`).check({ service: '' });
      expect(exporter.getFinishedSpans()).toEqual([]);
    } finally {
      clients.close();
      await server.close(500);
    }
  });
});
