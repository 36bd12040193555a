import { create, type MessageInitShape } from '@bufbuild/protobuf';
import type { TimestampSchema } from '@bufbuild/protobuf/wkt';
import { SpanKind, SpanStatusCode, type AttributeValue, type HrTime } from '@opentelemetry/api';
import { GetJobTraceResponseSchema, TraceSpanSchema, type GetJobTraceResponse } from '@weft/proto';
import type { KeptTrace } from '@weft/telemetry';

/** The attribute on a job's span that names the job: the key its trace is kept under. */
export const jobIdAttribute = 'weft.job.id';

function timestamp(time: HrTime): MessageInitShape<typeof TimestampSchema> {
  return { seconds: BigInt(time[0]), nanos: time[1] };
}

function attributeText(value: AttributeValue | undefined): string {
  if (Array.isArray(value)) return value.map((item) => String(item ?? '')).join(',');
  return String(value ?? '');
}

/**
 * The GetJobTrace answer for a job's kept trace: every span as a TraceSpan (attributes as
 * strings, no end time while the span runs), ordered by start time. No kept trace (tracing
 * sampled out, the job aged out of the retention, or it ran before a restart) answers with
 * no spans.
 */
export function jobTraceResponse(kept: KeptTrace | undefined): GetJobTraceResponse {
  if (!kept) return create(GetJobTraceResponseSchema, {});
  return create(GetJobTraceResponseSchema, {
    traceId: kept.traceId,
    spans: kept.spans.map((span) => create(TraceSpanSchema, {
      spanId: span.spanContext().spanId,
      parentSpanId: span.parentSpanContext?.spanId ?? '',
      name: span.name,
      startTime: timestamp(span.startTime),
      endTime: span.ended ? timestamp(span.endTime) : undefined,
      attributes: Object.fromEntries(Object.entries(span.attributes).map(([key, value]) => [key, attributeText(value)])),
      error: span.status.code === SpanStatusCode.ERROR,
      statusMessage: span.status.message ?? '',
      kind: SpanKind[span.kind].toLowerCase(),
    })),
  });
}
