import * as http2 from 'node:http2';

/** What a raw HTTP call to the gateway got back. */
export interface RawAnswer {
  /** HTTP status. */
  readonly status: number;
  /** The gRPC or Connect code name in lower snake case (`invalid_argument`), `ok`, or `none` when absent. */
  readonly code: string;
  /** The error message of a Connect error answer, else empty. */
  readonly message?: string;
}

const grpcCodes = [
  'ok', 'canceled', 'unknown', 'invalid_argument', 'deadline_exceeded', 'not_found', 'already_exists', 'permission_denied',
  'resource_exhausted', 'failed_precondition', 'aborted', 'out_of_range', 'unimplemented', 'internal', 'unavailable',
  'data_loss', 'unauthenticated',
];

/** Every code name a valid answer may carry. */
export const validCodes: ReadonlySet<string> = new Set(grpcCodes);

/**
 * POSTs `body` to `<url>/<path>` over HTTP/1.1 (the Connect protocol for unary calls) and reads
 * the Connect error code from the JSON body of a non-200 answer. Times out after `timeoutMs`.
 */
export async function rawConnect(url: string, path: string, body: Uint8Array | string, headers: Record<string, string>, timeoutMs = 10_000): Promise<RawAnswer> {
  const response = await fetch(`${url}/${path}`, { method: 'POST', body, headers, signal: AbortSignal.timeout(timeoutMs) });
  const text = await response.text();
  if (response.status === 200) return { status: 200, code: 'ok' };
  try {
    const body = JSON.parse(text) as { code?: unknown; message?: unknown };
    return { status: response.status, code: String(body.code ?? 'none'), message: String(body.message ?? '') };
  } catch {
    return { status: response.status, code: 'none' };
  }
}

/** A gRPC frame: compression flag, 4-byte big-endian length, then the message. */
export function grpcFrame(message: Uint8Array, declaredLength = message.length): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(declaredLength >>> 0, 1);
  return Buffer.concat([head, message]);
}

/**
 * Sends raw bytes as a gRPC call over HTTP/2 (h2c) and returns the `grpc-status` it ended with
 * (from trailers, or from headers for a trailers-only answer). `endStream: false` leaves the
 * request stream open (a truncated stream) and cancels it after `holdMs`.
 */
export async function rawGrpc(
  url: string,
  path: string,
  body: Uint8Array,
  headers: Record<string, string>,
  options: { endStream?: boolean; holdMs?: number } = {},
): Promise<RawAnswer> {
  const session = http2.connect(url);
  try {
    return await new Promise<RawAnswer>((resolve, reject) => {
      session.on('error', reject);
      const stream = session.request({ ':method': 'POST', ':path': `/${path}`, 'content-type': 'application/grpc', te: 'trailers', ...headers });
      let status = 0;
      let grpcStatus: string | undefined;
      stream.on('response', (h) => {
        status = Number(h[':status']);
        if (h['grpc-status'] !== undefined) grpcStatus = String(h['grpc-status']);
      });
      stream.on('trailers', (t) => {
        if (t['grpc-status'] !== undefined) grpcStatus = String(t['grpc-status']);
      });
      stream.on('data', () => undefined);
      stream.on('error', reject);
      const done = (): void => resolve({ status, code: grpcStatus === undefined ? `http ${status}` : (grpcCodes[Number(grpcStatus)] ?? `bad:${grpcStatus}`) });
      stream.on('close', done);
      stream.write(body);
      if (options.endStream === false) {
        setTimeout(() => {
          if (grpcStatus === undefined) {
            stream.close(http2.constants.NGHTTP2_CANCEL);
          }
        }, options.holdMs ?? 500).unref();
      } else stream.end();
      setTimeout(() => reject(new Error(`no answer to ${path} within 10 s`)), 10_000).unref();
    });
  } finally {
    session.close();
  }
}

/** Protobuf wire encoding by hand (the suite does not depend on a protobuf runtime): a varint. */
function varint(value: number): number[] {
  const out: number[] = [];
  let v = value;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

/** A length-delimited field (strings, bytes, sub-messages). */
export function pbBytes(field: number, value: Uint8Array | string): Uint8Array {
  const bytes = typeof value === 'string' ? new TextEncoder().encode(value) : value;
  return new Uint8Array([...varint((field << 3) | 2), ...varint(bytes.length), ...bytes]);
}

/** A varint field. */
export function pbVarint(field: number, value: number): Uint8Array {
  return new Uint8Array([...varint(field << 3), ...varint(value)]);
}

/** Concatenates encoded fields into one message. */
export function pbMessage(...fields: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(fields));
}
