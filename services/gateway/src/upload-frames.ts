import { fromBinary } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { UploadJobRequestSchema } from '@weft/proto';
import type { UploadChecks } from './limits-interceptor.js';

/** Tag byte of `UploadJobRequest.chunk` (field 2, length-delimited). */
const chunkTag = (2 << 3) | 2;
/** Bytes of a message read before deciding how to check it: the tag and the longest varint. */
const headBytes = 11;

type Phase = 'header' | 'head' | 'pass' | 'whole';

/**
 * Reads the gRPC frames of an UploadJob request as its bytes arrive, and says which bytes may be
 * passed on: none of a message before it has been checked, so nothing the gateway refuses ever
 * reaches the coordinator.
 *
 * - A message that is one `chunk` field (the bulk of an upload) is checked from its first bytes:
 *   the tag and the chunk's length count against the upload limit, then its bytes pass as they
 *   come, as views of the HTTP/2 data (never copied).
 * - Any other message (the spec, `end`, a chunk with other fields beside it) is gathered whole,
 *   decoded and checked like the limits interceptor checks it, then its original bytes pass.
 *
 * Throws ConnectErrors with the codes Connect gives the same faults: RESOURCE_EXHAUSTED for a
 * message over `messageBytes`, INTERNAL for a compressed message (the relay only takes identity
 * requests) or bytes that do not decode, INVALID_ARGUMENT for a stream that ends inside a frame.
 */
export class UploadFrames {
  private phase: Phase = 'header';
  private readonly header = new Uint8Array(5);
  private filled = 0;
  private length = 0;
  /** Bytes of the current message read so far. */
  private read = 0;
  private readonly head = new Uint8Array(headBytes);
  private whole: Uint8Array | undefined;
  /** Views of the bytes read but not yet checked. */
  private held: Uint8Array[] = [];

  constructor(
    private readonly checks: UploadChecks,
    private readonly messageBytes: number,
  ) {}

  /** Reads `data`; returns the views that may be passed on now, in order. */
  push(data: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    let at = 0;
    while (at < data.length) {
      switch (this.phase) {
        case 'header': {
          const n = Math.min(5 - this.filled, data.length - at);
          this.header.set(data.subarray(at, at + n), this.filled);
          this.held.push(data.subarray(at, at + n));
          this.filled += n;
          at += n;
          if (this.filled === 5) this.startMessage(out);
          break;
        }
        case 'head': {
          const want = Math.min(this.length, headBytes);
          const n = Math.min(want - this.read, data.length - at);
          this.head.set(data.subarray(at, at + n), this.read);
          this.held.push(data.subarray(at, at + n));
          this.read += n;
          at += n;
          if (this.read === want) this.decide(out);
          break;
        }
        case 'pass': {
          const n = Math.min(this.length - this.read, data.length - at);
          out.push(data.subarray(at, at + n));
          this.read += n;
          at += n;
          if (this.read === this.length) this.phase = 'header';
          break;
        }
        case 'whole': {
          const n = Math.min(this.length - this.read, data.length - at);
          this.whole!.set(data.subarray(at, at + n), this.read);
          this.held.push(data.subarray(at, at + n));
          this.read += n;
          at += n;
          if (this.read === this.length) this.checkWhole(out);
          break;
        }
      }
    }
    return out;
  }

  /** At the end of the request: throws INVALID_ARGUMENT when it ended inside a frame. */
  end(): void {
    if (this.phase === 'header' && this.filled === 0) return;
    const promised = this.phase === 'header' ? 5 : 5 + this.length;
    const got = this.phase === 'header' ? this.filled : 5 + this.read;
    throw new ConnectError(`protocol error: the request ended inside a message (a frame of ${promised} bytes, ${got} received)`, Code.InvalidArgument);
  }

  private startMessage(out: Uint8Array[]): void {
    this.filled = 0;
    this.read = 0;
    const view = new DataView(this.header.buffer);
    if ((this.header[0]! & 1) !== 0) {
      throw new ConnectError('protocol error: a compressed message in a request without grpc-encoding', Code.Internal);
    }
    this.length = view.getUint32(1);
    if (this.length > this.messageBytes) {
      throw new ConnectError(`a message of ${this.length} bytes is larger than the limit of ${this.messageBytes} bytes (GATEWAY_MAX_MESSAGE_SIZE)`, Code.ResourceExhausted);
    }
    this.phase = 'head';
    if (this.length === 0) this.decide(out);
  }

  /** With the message's first bytes read: pass a lone chunk on as it comes, gather anything else. */
  private decide(out: Uint8Array[]): void {
    const chunkBytes = this.loneChunkLength();
    if (chunkBytes !== undefined) {
      this.checks.chunk(chunkBytes);
      this.release(out);
      this.phase = this.read === this.length ? 'header' : 'pass';
      return;
    }
    this.whole = new Uint8Array(this.length);
    this.whole.set(this.head.subarray(0, this.read));
    this.phase = 'whole';
    if (this.read === this.length) this.checkWhole(out);
  }

  /** The chunk's length when the message is exactly one `chunk` field, else undefined. */
  private loneChunkLength(): number | undefined {
    if (this.read < 2 || this.head[0] !== chunkTag) return undefined;
    let value = 0;
    for (let i = 1, shift = 0; i < this.read && shift < 35; i++, shift += 7) {
      const byte = this.head[i]!;
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return 1 + i + value === this.length ? value : undefined;
    }
    return undefined;
  }

  private checkWhole(out: Uint8Array[]): void {
    let message;
    try {
      message = fromBinary(UploadJobRequestSchema, this.whole!);
    } catch (error) {
      throw new ConnectError(`parse binary: ${error instanceof Error ? error.message : String(error)}`, Code.Internal);
    }
    this.checks.message(message);
    this.whole = undefined;
    this.release(out);
    this.phase = 'header';
  }

  private release(out: Uint8Array[]): void {
    for (const view of this.held) out.push(view);
    this.held = [];
  }
}
