import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { context, metrics, trace } from '@opentelemetry/api';
import { createLogger } from './logger.js';
import { RecentTraces } from './recent-traces.js';
import { weftMeter, weftTracer } from './index.js';
import { samplerFromEnv } from './sampler-from-env.js';
import { startTelemetry } from './start-telemetry.js';

describe('samplerFromEnv', () => {
  it('builds every sampler the spec names, parent-based always-on by default', () => {
    expect(samplerFromEnv({}).toString()).toMatch(/ParentBased\{root=AlwaysOnSampler/);
    expect(samplerFromEnv({ OTEL_TRACES_SAMPLER: 'always_off' }).toString()).toBe('AlwaysOffSampler');
    expect(samplerFromEnv({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' }).toString()).toBe('TraceIdRatioBased{0.25}');
    expect(samplerFromEnv({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.5' }).toString()).toMatch(/root=TraceIdRatioBased\{0.5\}/);
  });

  it('names the variable and the value it rejects', () => {
    expect(() => samplerFromEnv({ OTEL_TRACES_SAMPLER: 'sometimes' })).toThrow('OTEL_TRACES_SAMPLER must be one of always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio; got "sometimes"');
    expect(() => samplerFromEnv({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '2' })).toThrow('OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1, got "2"');
  });
});

describe('startTelemetry', () => {
  it('is off without OTEL_EXPORTER_OTLP_ENDPOINT: no exporter, no-op spans, nothing listening', async () => {
    const telemetry = await startTelemetry({ service: 'mapper', env: {} });
    expect(telemetry).toMatchObject({ tracing: false, metricsPort: undefined });
    const span = weftTracer().startSpan('nothing');
    expect(span.isRecording()).toBe(false);
    span.end();
    await telemetry.shutdown();
  });

  it('records spans for its own span processors without an endpoint, exporting nothing', async () => {
    const kept = new RecentTraces({ keyAttribute: 'weft.job.id', maxTraces: 1 });
    const telemetry = await startTelemetry({ service: 'coordinator', env: {}, spanProcessors: [kept] });
    try {
      expect(telemetry.tracing).toBe(false);
      const span = weftTracer().startSpan('job wordcount', { attributes: { 'weft.job.id': 'j' } });
      expect(span.isRecording()).toBe(true);
      span.end();
      expect(kept.trace('j')!.spans.map((s) => s.name)).toEqual(['job wordcount']);
    } finally {
      await telemetry.shutdown();
      trace.disable();
      context.disable();
    }
    await expect(startTelemetry({ service: 'coordinator', env: { OTEL_TRACES_SAMPLER: 'sometimes' }, spanProcessors: [kept] }))
      .rejects.toMatchObject({ kind: 'config-invalid', problems: [expect.stringMatching(/^OTEL_TRACES_SAMPLER must be one of /)] });
  });

  it('lists every bad OTEL_* value in one ConfigError, naming variable and value', async () => {
    await expect(startTelemetry({ service: 'mapper', env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' } }))
      .rejects.toMatchObject({ kind: 'config-invalid', problems: ['OTEL_EXPORTER_OTLP_PROTOCOL must be one of http/protobuf, http/json, got "grpc"'] });
    await expect(startTelemetry({ service: 'mapper', env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1', OTEL_TRACES_SAMPLER: 'sometimes', OTEL_BSP_SCHEDULE_DELAY: 'soon' } }))
      .rejects.toMatchObject({ problems: [expect.stringMatching(/^OTEL_TRACES_SAMPLER must be one of /), 'OTEL_BSP_SCHEDULE_DELAY must be a positive integer of milliseconds, got "soon"'] });
  });

  it('records spans when an endpoint is set, puts their ids on log lines, and serves /metrics in Prometheus text', async () => {
    // A collector that accepts everything (the harness's receiver checks what arrives).
    let exports = 0;
    const collector = createServer((req, res) => {
      exports += 1;
      req.resume().on('end', () => res.end());
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
    const telemetry = await startTelemetry({ service: 'mapper', env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint }, metricsPort: 0 });
    try {
      expect(telemetry.tracing).toBe(true);
      const out = new PassThrough();
      const chunks: string[] = [];
      out.on('data', (c: Buffer) => chunks.push(c.toString()));
      const log = createLogger({ service: 'mapper', destination: out });
      const span = weftTracer().startSpan('task');
      expect(span.isRecording()).toBe(true);
      await context.with(trace.setSpan(context.active(), span), async () => {
        await new Promise((resolve) => setImmediate(resolve));
        log.info('inside the task');
      });
      log.info('outside');
      span.end();
      const [inside, outside] = chunks.join('').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(inside).toMatchObject({ msg: 'inside the task', trace_id: span.spanContext().traceId, span_id: span.spanContext().spanId });
      expect(outside).not.toHaveProperty('trace_id');

      weftMeter().createCounter('weft.spec.things', { description: 'Things counted by the spec.' }).add(3, { kind: 'a' });
      const response = await fetch(`http://127.0.0.1:${telemetry.metricsPort}/metrics`);
      expect(response.status).toBe(200);
      const text = await response.text();
      expect(text).toContain('# TYPE weft_spec_things_total counter');
      expect(text).toMatch(/^weft_spec_things_total\{kind="a",.*\} 3$/m);
      expect(text).toMatch(/^target_info\{.*service_name="weft-mapper".*\} 1$/m);
      expect((await fetch(`http://127.0.0.1:${telemetry.metricsPort}/other`)).status).toBe(404);
      // shutdown() flushes the span still queued.
      await telemetry.shutdown();
      expect(exports).toBe(1);
    } finally {
      await telemetry.shutdown();
      collector.close();
      metrics.disable();
      trace.disable();
      context.disable();
    }
  });
});
