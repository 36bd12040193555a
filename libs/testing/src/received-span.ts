/** A span value as the receiver stores it: a plain JSON-friendly object. */
export type SpanAttributeValue = string | number | boolean | null | SpanAttributeValue[] | { [key: string]: SpanAttributeValue };

/** One span received over OTLP, decoded the same way from http/json and http/protobuf. */
export interface ReceivedSpan {
  /** W3C trace id, 32 lowercase hex digits. */
  readonly traceId: string;
  /** Span id, 16 lowercase hex digits. */
  readonly spanId: string;
  /** The parent's span id, or '' for a root span. */
  readonly parentSpanId: string;
  /** Operation name, e.g. `weft.v1.JobService/SubmitJob`. */
  readonly name: string;
  /** Span kind. */
  readonly kind: 'unspecified' | 'internal' | 'server' | 'client' | 'producer' | 'consumer';
  /** Start, epoch milliseconds (microsecond precision). */
  readonly startMs: number;
  /** End, epoch milliseconds (microsecond precision). */
  readonly endMs: number;
  /** `service.name` of the process that exported it. */
  readonly service: string;
  /** The span's attributes. */
  readonly attributes: Readonly<Record<string, SpanAttributeValue>>;
  /** Timed events (exceptions, retries, cancellations). */
  readonly events: readonly { readonly name: string; readonly timeMs: number; readonly attributes: Readonly<Record<string, SpanAttributeValue>> }[];
  /** Final status. */
  readonly status: { readonly code: 'unset' | 'ok' | 'error'; readonly message: string };
  /** Attributes of the exporting process's resource. */
  readonly resource: Readonly<Record<string, SpanAttributeValue>>;
}

/** Span kinds in OTLP's enum order. */
export const spanKinds: readonly ReceivedSpan['kind'][] = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
/** Status codes in OTLP's enum order. */
export const statusCodes: readonly ReceivedSpan['status']['code'][] = ['unset', 'ok', 'error'];
