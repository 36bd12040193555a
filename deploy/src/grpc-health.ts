import { connect, constants } from 'node:http2';

/** grpc.health.v1 ServingStatus values, as the kubelet reads them. */
export const servingStatus = { UNKNOWN: 0, SERVING: 1, NOT_SERVING: 2, SERVICE_UNKNOWN: 3 } as const;

/**
 * Calls grpc.health.v1.Health/Check for the whole server (service "") the way the kubelet's gRPC
 * probe does: cleartext HTTP/2 with prior knowledge, no TLS. Hand-rolled on node:http2 so the
 * check depends on nothing but the wire protocol. Resolves with the ServingStatus number; rejects
 * on a connection error, a timeout, or a non-OK grpc-status.
 */
export function checkHealth(host: string, port: number, timeoutMs = 3_000): Promise<number> {
  return new Promise((resolve, reject) => {
    const session = connect(`http://${host}:${port}`);
    const fail = (error: Error): void => {
      session.destroy();
      reject(error);
    };
    session.on('error', fail);
    session.setTimeout(timeoutMs, () => fail(new Error(`health check of ${host}:${port} timed out`)));
    const stream = session.request({
      [constants.HTTP2_HEADER_METHOD]: 'POST',
      [constants.HTTP2_HEADER_PATH]: '/grpc.health.v1.Health/Check',
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    const chunks: Buffer[] = [];
    let grpcStatus: string | undefined;
    stream.on('response', (headers) => (grpcStatus = headers['grpc-status'] as string | undefined));
    stream.on('trailers', (trailers) => (grpcStatus = trailers['grpc-status'] as string | undefined));
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('error', fail);
    stream.on('end', () => {
      session.close();
      if (grpcStatus !== '0') return reject(new Error(`health check of ${host}:${port}: grpc-status ${grpcStatus}`));
      // One length-prefixed message: flag byte, 4-byte length, then HealthCheckResponse, whose
      // only field is `status` (field 1, varint): bytes 0x08 <status>, or empty for UNKNOWN (0).
      const body = Buffer.concat(chunks).subarray(5);
      resolve(body.length >= 2 && body[0] === 0x08 ? body[1]! : servingStatus.UNKNOWN);
    });
    // An empty HealthCheckRequest (service "") framed as one uncompressed message of length 0.
    stream.end(Buffer.alloc(5));
  });
}
