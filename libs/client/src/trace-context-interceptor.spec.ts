import { createClient, createRouterTransport } from '@connectrpc/connect';
import { ROOT_CONTEXT, TraceFlags, context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { JobService } from '@weft/proto';
import { traceContextInterceptor } from './trace-context-interceptor.js';

describe('traceContextInterceptor', () => {
  const seen: (string | null)[] = [];
  const transport = createRouterTransport(
    ({ service }) => service(JobService, { getJob: (_request, ctx) => (seen.push(ctx.requestHeader.get('traceparent')), {}) }),
    { transport: { interceptors: [traceContextInterceptor()] } },
  );
  const jobs = createClient(JobService, transport);
  const spanContext = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED };

  beforeAll(() => context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable()));
  afterAll(() => context.disable());
  afterEach(() => propagation.disable());

  it('adds nothing without a registered propagator (no SDK)', async () => {
    await context.with(trace.setSpanContext(ROOT_CONTEXT, spanContext), () => jobs.getJob({ jobId: 'j' }));
    expect(seen.pop()).toBeNull();
  });

  it("sends the active span's traceparent once a W3C propagator is registered", async () => {
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    await context.with(trace.setSpanContext(ROOT_CONTEXT, spanContext), () => jobs.getJob({ jobId: 'j' }));
    expect(seen.pop()).toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
  });
});
