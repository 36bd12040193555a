import { fromBinary, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { UploadJobRequestSchema } from '@weft/proto';
import type { UploadChecks } from './limits-interceptor.js';

/** Bytes of a message read before deciding how to check it: a tag and the longest varint. */
const headBytes = 11;

/** How the messages of one request are checked as they pass. */
export interface FrameChecks {
  /**
   * Given a message's first bytes (up to 11) and its length: true when its bytes may pass as they
   * arrive once this returns (it checked what it needs, e.g. a chunk's length), false to gather the
   * message whole for {@link FrameChecks.whole}. Throws to refuse the call.
   */
  streams(head: Uint8Array, length: number): boolean;
  /** Checks a message gathered whole; throws to refuse the call. */
  whole(message: Uint8Array): void;
}

type Phase = 'header' | 'head' | 'pass' | 'whole';

/**
 * Reads the gRPC frames of a request as its bytes arrive, and says which bytes may be passed on:
 * none of a message before it has been checked, so nothing the gateway refuses ever reaches the
 * coordinator. A message {@link FrameChecks.streams} accepts from its first bytes passes as it
 * comes, as views of the HTTP/2 data (never copied); any other is gathered whole, checked, and its
 * original bytes pass.
 *
 * Throws ConnectErrors with the codes Connect gives the same faults: RESOURCE_EXHAUSTED for a
 * message over `messageBytes`, INTERNAL for a compressed message (the passthrough only takes
 * identity requests), INVALID_ARGUMENT for a stream that ends inside a frame; the checks' own
 * errors as they are.
 */
export class CheckedFrames {
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
    private readonly checks: FrameChecks,
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
    if ((this.header[0]! & 1) !== 0) {
      throw new ConnectError('protocol error: a compressed message in a request without grpc-encoding', Code.Internal);
    }
    this.length = new DataView(this.header.buffer).getUint32(1);
    if (this.length > this.messageBytes) {
      throw new ConnectError(`a message of ${this.length} bytes is larger than the limit of ${this.messageBytes} bytes (GATEWAY_MAX_MESSAGE_SIZE)`, Code.ResourceExhausted);
    }
    this.phase = 'head';
    if (this.length === 0) this.decide(out);
  }

  /** With the message's first bytes read: let it pass as it comes, or gather it whole. */
  private decide(out: Uint8Array[]): void {
    if (this.checks.streams(this.head.subarray(0, this.read), this.length)) {
      this.release(out);
      this.phase = this.read === this.length ? 'header' : 'pass';
      return;
    }
    this.whole = new Uint8Array(this.length);
    this.whole.set(this.head.subarray(0, this.read));
    this.phase = 'whole';
    if (this.read === this.length) this.checkWhole(out);
  }

  private checkWhole(out: Uint8Array[]): void {
    this.checks.whole(this.whole!);
    this.whole = undefined;
    this.release(out);
    this.phase = 'header';
  }

  private release(out: Uint8Array[]): void {
    for (const view of this.held) out.push(view);
    this.held = [];
  }
}

/** Decodes a request message for its checks, failing as Connect does (INTERNAL "parse binary"). */
export function decodeRequest<Desc extends DescMessage>(schema: Desc, bytes: Uint8Array): MessageShape<Desc> {
  try {
    return fromBinary(schema, bytes);
  } catch (error) {
    throw new ConnectError(`parse binary: ${error instanceof Error ? error.message : String(error)}`, Code.Internal);
  }
}

/** Tag byte of `UploadJobRequest.chunk` (field 2, length-delimited). */
const chunkTag = (2 << 3) | 2;

/**
 * The checks of an UploadJob stream: a message that is one `chunk` field (the bulk of an upload)
 * is counted against the upload limit from its tag and length and passes as it comes; any other
 * (the spec, `end`, a chunk with other fields beside it) is decoded and checked like the limits
 * interceptor checks it.
 */
export function uploadFrameChecks(checks: UploadChecks): FrameChecks {
  return {
    streams(head, length) {
      const chunkBytes = loneFieldLength(head, length, chunkTag);
      if (chunkBytes === undefined) return false;
      checks.chunk(chunkBytes);
      return true;
    },
    whole: (message) => checks.message(decodeRequest(UploadJobRequestSchema, message)),
  };
}

/** The field's length when a message of `length` bytes starting `head` is exactly one `tag` field, else undefined. */
function loneFieldLength(head: Uint8Array, length: number, tag: number): number | undefined {
  if (head.length < 2 || head[0] !== tag) return undefined;
  let value = 0;
  for (let i = 1, shift = 0; i < head.length && shift < 35; i++, shift += 7) {
    const byte = head[i]!;
    value += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) return 1 + i + value === length ? value : undefined;
  }
  return undefined;
}
