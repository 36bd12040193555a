import { fromBinary } from '@bufbuild/protobuf';
import { ExportTraceServiceRequestSchema, type AnyValue, type KeyValue } from '@weft/proto/otlp';
import { spanKinds, statusCodes, type ReceivedSpan, type SpanAttributeValue } from './received-span.js';

type Json = Record<string, unknown>;

/** Decodes an OTLP/HTTP protobuf `ExportTraceServiceRequest` body. Throws on a malformed body. */
export function decodeProtobufTraces(body: Uint8Array): ReceivedSpan[] {
  const request = fromBinary(ExportTraceServiceRequestSchema, body);
  const spans: ReceivedSpan[] = [];
  for (const resourceSpans of request.resourceSpans) {
    const resource = attributesOf(resourceSpans.resource?.attributes ?? []);
    const service = typeof resource['service.name'] === 'string' ? resource['service.name'] : '';
    for (const scopeSpans of resourceSpans.scopeSpans) {
      for (const span of scopeSpans.spans) {
        spans.push({
          traceId: hex(span.traceId),
          spanId: hex(span.spanId),
          parentSpanId: hex(span.parentSpanId),
          name: span.name,
          kind: spanKinds[span.kind] ?? 'unspecified',
          startMs: nanosToMs(span.startTimeUnixNano),
          endMs: nanosToMs(span.endTimeUnixNano),
          service,
          attributes: attributesOf(span.attributes),
          events: span.events.map((e) => ({ name: e.name, timeMs: nanosToMs(e.timeUnixNano), attributes: attributesOf(e.attributes) })),
          status: { code: statusCodes[span.status?.code ?? 0] ?? 'unset', message: span.status?.message ?? '' },
          resource,
        });
      }
    }
  }
  return spans;
}

/**
 * Decodes an OTLP/HTTP JSON body. OTLP's JSON is not protobuf's canonical JSON: trace and span
 * ids are hex (not base64) and enums are integers, so it is read by hand. Throws on malformed JSON.
 */
export function decodeJsonTraces(text: string): ReceivedSpan[] {
  const request = JSON.parse(text) as Json;
  const spans: ReceivedSpan[] = [];
  for (const resourceSpans of arrayOf(request.resourceSpans)) {
    const resource = jsonAttributesOf((resourceSpans.resource as Json | undefined)?.attributes);
    const service = typeof resource['service.name'] === 'string' ? resource['service.name'] : '';
    for (const scopeSpans of arrayOf(resourceSpans.scopeSpans)) {
      for (const span of arrayOf(scopeSpans.spans)) {
        const status = (span.status ?? {}) as Json;
        spans.push({
          traceId: String(span.traceId ?? '').toLowerCase(),
          spanId: String(span.spanId ?? '').toLowerCase(),
          parentSpanId: String(span.parentSpanId ?? '').toLowerCase(),
          name: String(span.name ?? ''),
          kind: spanKinds[Number(span.kind ?? 0)] ?? 'unspecified',
          startMs: nanosToMs(jsonLong(span.startTimeUnixNano)),
          endMs: nanosToMs(jsonLong(span.endTimeUnixNano)),
          service,
          attributes: jsonAttributesOf(span.attributes),
          events: arrayOf(span.events).map((e) => ({ name: String(e.name ?? ''), timeMs: nanosToMs(jsonLong(e.timeUnixNano)), attributes: jsonAttributesOf(e.attributes) })),
          status: { code: statusCodes[Number(status.code ?? 0)] ?? 'unset', message: String(status.message ?? '') },
          resource,
        });
      }
    }
  }
  return spans;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** Epoch nanoseconds to milliseconds, keeping microseconds (a double cannot hold epoch nanoseconds exactly). */
function nanosToMs(nanos: bigint): number {
  return Number(nanos / 1000n) / 1000;
}

function attributesOf(list: readonly KeyValue[]): Record<string, SpanAttributeValue> {
  return Object.fromEntries(list.map((kv) => [kv.key, anyValue(kv.value)]));
}

function anyValue(value: AnyValue | undefined): SpanAttributeValue {
  const v = value?.value;
  switch (v?.case) {
    case 'stringValue':
    case 'boolValue':
    case 'doubleValue':
      return v.value;
    case 'intValue':
      return Number(v.value);
    case 'bytesValue':
      return Buffer.from(v.value).toString('base64');
    case 'arrayValue':
      return v.value.values.map(anyValue);
    case 'kvlistValue':
      return attributesOf(v.value.values);
    default:
      return null;
  }
}

function arrayOf(value: unknown): Json[] {
  return Array.isArray(value) ? (value as Json[]) : [];
}

/** int64/fixed64 in OTLP JSON: a decimal string, a number, or (some exporters) `{ low, high }`. */
function jsonLong(value: unknown): bigint {
  if (typeof value === 'string' && /^\d+$/.test(value)) return BigInt(value);
  if (typeof value === 'number' && Number.isFinite(value)) return BigInt(Math.round(value));
  if (value && typeof value === 'object' && 'low' in value && 'high' in value) {
    const { low, high } = value as { low: number; high: number };
    return (BigInt(high >>> 0) << 32n) | BigInt(low >>> 0);
  }
  return 0n;
}

function jsonAttributesOf(list: unknown): Record<string, SpanAttributeValue> {
  return Object.fromEntries(arrayOf(list).map((kv) => [String(kv.key), jsonAnyValue(kv.value as Json | undefined)]));
}

function jsonAnyValue(value: Json | undefined): SpanAttributeValue {
  if (!value) return null;
  if ('stringValue' in value) return String(value.stringValue);
  if ('boolValue' in value) return Boolean(value.boolValue);
  if ('intValue' in value) return Number(jsonLong(value.intValue));
  if ('doubleValue' in value) return Number(value.doubleValue);
  if ('bytesValue' in value) return String(value.bytesValue);
  if ('arrayValue' in value) return arrayOf((value.arrayValue as Json | undefined)?.values).map(jsonAnyValue);
  if ('kvlistValue' in value) return jsonAttributesOf((value.kvlistValue as Json | undefined)?.values);
  return null;
}
