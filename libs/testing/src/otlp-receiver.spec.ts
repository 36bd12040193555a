import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { SimpleSpanProcessor, TracerProvider, type SpanExporter } from '@opentelemetry/sdk-trace';
import { startOtlpReceiver, type OtlpReceiver } from './otlp-receiver.js';

// The receiver against the real OpenTelemetry exporters, over real HTTP: both encodings must
// decode to the same spans.

let receiver: OtlpReceiver;
beforeAll(async () => {
  receiver = await startOtlpReceiver();
});
afterAll(() => receiver.close());

async function exportSample(exporter: SpanExporter): Promise<string> {
  const provider = new TracerProvider({ resource: resourceFromAttributes({ 'service.name': 'weft-sample' }), spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const tracer = provider.getTracer('spec');
  const parent = tracer.startSpan('parent', { kind: SpanKind.SERVER, startTime: 1_700_000_000_000.5 });
  const child = tracer.startSpan('child', {
    startTime: 1_700_000_000_010.25,
    attributes: { text: 'a', count: 42, ratio: 0.5, flag: true, list: ['x', 'y'] },
  }, trace.setSpan(context.active(), parent));
  child.addEvent('retry', { 'weft.task.id': 'm-1' }, 1_700_000_000_011);
  child.recordException(new Error('boom'));
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
  child.end(1_700_000_000_020.75);
  parent.end(1_700_000_000_030);
  await provider.forceFlush();
  await provider.shutdown();
  return parent.spanContext().traceId;
}

describe.each([
  ['http/json', () => new JsonExporter({ url: `${receiver.url}/v1/traces` }), 'json'],
  ['http/protobuf', () => new ProtoExporter({ url: `${receiver.url}/v1/traces` }), 'protobuf'],
] as const)('startOtlpReceiver with the SDK exporter over %s', (_name, exporter, counter) => {
  it('decodes ids, parents, kinds, times, attributes, events, status and resource', async () => {
    const before = receiver.requests[counter];
    const traceId = await exportSample(exporter());
    expect(receiver.requests[counter]).toBeGreaterThan(before);
    const spans = await receiver.trace(traceId, { settleMs: 50, timeoutMs: 5_000 });
    expect(spans.map((s) => s.name)).toEqual(['parent', 'child']);
    const [parent, child] = spans;
    expect(parent).toMatchObject({ traceId, parentSpanId: '', kind: 'server', service: 'weft-sample', startMs: 1_700_000_000_000.5, endMs: 1_700_000_000_030, status: { code: 'unset' } });
    expect(parent!.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(child).toMatchObject({
      traceId,
      parentSpanId: parent!.spanId,
      kind: 'internal',
      startMs: 1_700_000_000_010.25,
      endMs: 1_700_000_000_020.75,
      attributes: { text: 'a', count: 42, ratio: 0.5, flag: true, list: ['x', 'y'] },
      status: { code: 'error', message: 'boom' },
    });
    expect(child!.events.map((e) => e.name)).toEqual(['retry', 'exception']);
    expect(child!.events[0]).toEqual({ name: 'retry', timeMs: 1_700_000_000_011, attributes: { 'weft.task.id': 'm-1' } });
    expect(child!.events[1]!.attributes['exception.message']).toBe('boom');
    expect(child!.resource['service.name']).toBe('weft-sample');
  });
});

describe('startOtlpReceiver over plain HTTP', () => {
  it('answers GET /weft/traces/<id> with the spans, and rejects what is not an OTLP export', async () => {
    const traceId = await exportSample(new JsonExporter({ url: `${receiver.url}/v1/traces` }));
    const response = await fetch(`${receiver.url}/weft/traces/${traceId}?settleMs=50&timeoutMs=2000`);
    expect(((await response.json()) as { spans: { name: string }[] }).spans.map((s) => s.name)).toEqual(['parent', 'child']);
    const wrongType = await fetch(`${receiver.url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' });
    expect(wrongType.status).toBe(415);
    const malformed = await fetch(`${receiver.url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' });
    expect(malformed.status).toBe(400);
    expect((await fetch(`${receiver.url}/v1/metrics`, { method: 'POST' })).status).toBe(404);
  });

  it("forwards every accepted export unchanged to the user's collector", async () => {
    const collector = await startOtlpReceiver();
    const forwarding = await startOtlpReceiver({ forwardTo: { url: `${collector.url}/v1/traces` } });
    try {
      const traceId = await exportSample(new ProtoExporter({ url: `${forwarding.url}/v1/traces` }));
      expect((await collector.trace(traceId, { settleMs: 50, timeoutMs: 5_000 })).map((s) => s.name)).toEqual(['parent', 'child']);
      expect(collector.requests.protobuf).toBeGreaterThan(0);
      expect(forwarding.requests.forwardFailures).toBe(0);
    } finally {
      await forwarding.close();
      await collector.close();
    }
  });
});
