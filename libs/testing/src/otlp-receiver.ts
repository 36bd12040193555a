import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { decodeJsonTraces, decodeProtobufTraces } from './otlp-decode.js';
import type { ReceivedSpan } from './received-span.js';

/** Options of {@link startOtlpReceiver}. */
export interface OtlpReceiverOptions {
  /** Interface to bind; default 127.0.0.1. */
  readonly host?: string;
  /** Port; 0 (default) lets the OS choose. */
  readonly port?: number;
  /**
   * Also send every accepted export, unchanged, to this OTLP/HTTP traces URL (e.g. the user's own
   * collector's `http://host:4318/v1/traces`), with these extra headers. Failures are counted, not thrown.
   */
  readonly forwardTo?: { readonly url: string; readonly headers?: Readonly<Record<string, string>> };
}

/** Options of {@link OtlpReceiver.trace}. */
export interface TraceWaitOptions {
  /** How long the trace must stay unchanged (and complete: one root, no missing parents) to count as done, in milliseconds. Default 500. */
  readonly settleMs?: number;
  /** Give up waiting after this many milliseconds and return what arrived. Default 15000. */
  readonly timeoutMs?: number;
}

/** A running OTLP/HTTP trace receiver. */
export interface OtlpReceiver {
  /** Base URL to put in OTEL_EXPORTER_OTLP_ENDPOINT, e.g. `http://127.0.0.1:43123`. */
  readonly url: string;
  /** Export requests accepted so far, by encoding. */
  readonly requests: { readonly json: number; readonly protobuf: number; readonly rejected: number; readonly forwardFailures: number };
  /** Every span received so far, in arrival order. */
  spans(): ReceivedSpan[];
  /** The spans of one trace once it looks complete (see {@link TraceWaitOptions}), sorted by start time. */
  trace(traceId: string, options?: TraceWaitOptions): Promise<ReceivedSpan[]>;
  /** Stops listening. */
  close(): Promise<void>;
}

/** Body size accepted per export request (the SDK's batches are far smaller). */
const maxBodyBytes = 64 * 1024 * 1024;

/**
 * Starts an OTLP/HTTP receiver for traces: `POST /v1/traces` with `application/json` or
 * `application/x-protobuf` bodies (gzip allowed), as the OpenTelemetry SDK's http exporters send
 * them. It also answers `GET /weft/traces/<traceId>[?settleMs=&timeoutMs=]` with `{ "spans": [...] }`
 * (waiting as {@link OtlpReceiver.trace} does), which is how `weft trace` reads a trace from
 * `weft dev`. Spans are kept in memory.
 */
export async function startOtlpReceiver(options: OtlpReceiverOptions = {}): Promise<OtlpReceiver> {
  const received: ReceivedSpan[] = [];
  const byTrace = new Map<string, ReceivedSpan[]>();
  const lastArrival = new Map<string, number>();
  const requests = { json: 0, protobuf: 0, rejected: 0, forwardFailures: 0 };

  const accept = (spans: ReceivedSpan[]): void => {
    const now = Date.now();
    for (const span of spans) {
      received.push(span);
      let list = byTrace.get(span.traceId);
      if (!list) byTrace.set(span.traceId, (list = []));
      list.push(span);
      lastArrival.set(span.traceId, now);
    }
  };

  const forward = async (body: Buffer, headers: http.IncomingHttpHeaders): Promise<void> => {
    if (!options.forwardTo) return;
    try {
      const response = await fetch(options.forwardTo.url, {
        method: 'POST',
        body: new Uint8Array(body),
        headers: {
          'content-type': String(headers['content-type'] ?? 'application/x-protobuf'),
          ...(headers['content-encoding'] ? { 'content-encoding': String(headers['content-encoding']) } : {}),
          ...options.forwardTo.headers,
        },
        signal: AbortSignal.timeout(10_000),
      });
      if (!response.ok) requests.forwardFailures += 1;
      await response.arrayBuffer();
    } catch {
      requests.forwardFailures += 1;
    }
  };

  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://receiver');
    const path = url.pathname;
    if (request.method === 'GET' && path.startsWith('/weft/traces/')) {
      const traceId = decodeURIComponent(path.slice('/weft/traces/'.length)).toLowerCase();
      const settleMs = Number(url.searchParams.get('settleMs') ?? 0);
      const timeoutMs = Number(url.searchParams.get('timeoutMs') ?? 0);
      void receiver.trace(traceId, { settleMs, timeoutMs: Math.min(timeoutMs, 60_000) }).then((spans) => {
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ spans }));
      });
      return;
    }
    if (request.method !== 'POST' || path !== '/v1/traces') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('this receiver takes POST /v1/traces\n');
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > maxBodyBytes) request.destroy();
      else chunks.push(chunk);
    });
    request.on('end', () => {
      const raw = Buffer.concat(chunks);
      const contentType = String(request.headers['content-type'] ?? '').split(';')[0]!.trim();
      try {
        const body = request.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
        if (contentType === 'application/json') {
          accept(decodeJsonTraces(body.toString('utf8')));
          requests.json += 1;
          response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        } else if (contentType === 'application/x-protobuf' || contentType === 'application/protobuf') {
          accept(decodeProtobufTraces(body));
          requests.protobuf += 1;
          // An empty ExportTraceServiceResponse encodes as zero bytes.
          response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
        } else {
          requests.rejected += 1;
          response.writeHead(415, { 'content-type': 'text/plain' }).end(`unsupported content-type "${contentType}"\n`);
          return;
        }
      } catch (error) {
        requests.rejected += 1;
        response.writeHead(400, { 'content-type': 'text/plain' }).end(`malformed export: ${error instanceof Error ? error.message : String(error)}\n`);
        return;
      }
      void forward(raw, request.headers);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host && options.host !== '0.0.0.0' ? options.host : '127.0.0.1';

  const receiver: OtlpReceiver = {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    requests,
    spans: () => [...received],
    async trace(traceId, waitOptions = {}) {
      const settleMs = waitOptions.settleMs ?? 500;
      const deadline = Date.now() + (waitOptions.timeoutMs ?? 15_000);
      const id = traceId.toLowerCase();
      for (;;) {
        const spans = byTrace.get(id) ?? [];
        const quiet = Date.now() - (lastArrival.get(id) ?? Date.now()) >= settleMs;
        if ((quiet && isComplete(spans)) || Date.now() >= deadline) return [...spans].sort((a, b) => a.startMs - b.startMs);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return receiver;
}

/** One root and every parent present. */
function isComplete(spans: readonly ReceivedSpan[]): boolean {
  if (spans.length === 0) return false;
  const ids = new Set(spans.map((s) => s.spanId));
  return spans.filter((s) => !s.parentSpanId).length === 1 && spans.every((s) => !s.parentSpanId || ids.has(s.parentSpanId));
}
