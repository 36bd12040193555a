import { startOtlpReceiver } from '@weft/testing';
import type { OtlpReceiver } from '@weft/testing';

/** Port of the trace receiver `weft dev` runs, next to OTLP/HTTP's own 4318. */
export const defaultTracesPort = 4319;

/** The receiver of a local cluster's spans, and the environment that points every service at it. */
export interface LocalTraces {
  readonly receiver: OtlpReceiver;
  /** OTEL_* variables for every service process. */
  readonly env: Record<string, string>;
  /** The user's own collector (OTLP/HTTP traces URL) that every export is forwarded to, if any. */
  readonly forwardedTo: string | undefined;
}

/**
 * Starts the OTLP/HTTP receiver that collects a local cluster's spans (for `weft trace` and the
 * demo's waterfall). When the user set OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT, every export the
 * receiver accepts is also forwarded, unchanged, to that collector (OTLP over HTTP), with
 * OTEL_EXPORTER_OTLP_HEADERS; the user's other OTEL_* variables reach the services as they are.
 * When `port` is the default and taken, an OS-chosen port is used instead.
 */
export async function startLocalTraces(env: Readonly<Record<string, string | undefined>>, port = 0): Promise<LocalTraces> {
  const userTraces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || (env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() ? `${env.OTEL_EXPORTER_OTLP_ENDPOINT.trim().replace(/\/+$/, '')}/v1/traces` : undefined);
  const headers = parseHeaders(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS ?? env.OTEL_EXPORTER_OTLP_HEADERS ?? '');
  const forwardTo = userTraces ? { url: userTraces, headers } : undefined;
  const receiver = await startOtlpReceiver({ port, forwardTo }).catch((err: unknown) => {
    // The default port taken (another weft dev, or anything else): any free port will do; the
    // "traces:" line names it, for weft trace --traces.
    if (port === defaultTracesPort && (err as NodeJS.ErrnoException).code === 'EADDRINUSE') return startOtlpReceiver({ port: 0, forwardTo });
    throw err;
  });
  const protocol = env.OTEL_EXPORTER_OTLP_PROTOCOL?.trim();
  return {
    receiver,
    forwardedTo: userTraces,
    env: {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      // Blank is "unset": the services must export to the receiver, which forwards.
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '',
      OTEL_EXPORTER_OTLP_PROTOCOL: protocol === 'http/json' ? 'http/json' : 'http/protobuf',
      OTEL_BSP_SCHEDULE_DELAY: env.OTEL_BSP_SCHEDULE_DELAY?.trim() || '200',
    },
  };
}

/** `key1=value1,key2=value2` (values percent-encoded), as OTEL_EXPORTER_OTLP_HEADERS is written. */
function parseHeaders(text: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of text.split(',')) {
    const at = pair.indexOf('=');
    if (at <= 0) continue;
    headers[pair.slice(0, at).trim()] = decodeURIComponent(pair.slice(at + 1).trim());
  }
  return headers;
}
