import { create, fromBinary, toBinary, type MessageInitShape } from '@bufbuild/protobuf';
import { Code } from '@connectrpc/connect';
import { UploadJobRequestSchema, type UploadJobRequest } from '@weft/proto';
import { toConnectError } from '@weft/rpc';
import { UploadChecks } from './limits-interceptor.js';
import type { RequestLimits } from './request-limits.js';
import { CheckedFrames, uploadFrameChecks } from './checked-frames.js';

function frame(message: MessageInitShape<typeof UploadJobRequestSchema>): Uint8Array {
  return frameOf(toBinary(UploadJobRequestSchema, create(UploadJobRequestSchema, message)));
}

function frameOf(body: Uint8Array, flags = 0): Uint8Array {
  const out = new Uint8Array(5 + body.length);
  out[0] = flags;
  new DataView(out.buffer).setUint32(1, body.length);
  out.set(body, 5);
  return out;
}

/** The parts joined, as a plain Uint8Array (Buffer.concat's Buffer would not equal one in toEqual). */
const concat = (parts: readonly Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));

/** Splits `bytes` into pieces of the given sizes, cycling (the way DATA frames may cut a stream). */
function cut(bytes: Uint8Array, sizes: readonly number[]): Uint8Array[] {
  const pieces: Uint8Array[] = [];
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const n = sizes[i % sizes.length]!;
    pieces.push(bytes.subarray(at, at + n));
    at += n;
  }
  return pieces;
}

/** The messages in a run of gRPC frames. */
function messages(bytes: Uint8Array): UploadJobRequest[] {
  const out: UploadJobRequest[] = [];
  for (let at = 0; at < bytes.length; ) {
    const length = new DataView(bytes.buffer, bytes.byteOffset + at).getUint32(1);
    out.push(fromBinary(UploadJobRequestSchema, bytes.subarray(at + 5, at + 5 + length)));
    at += 5 + length;
  }
  return out;
}

const limits: RequestLimits = {
  messageBytes: 4 * 1024 * 1024, inlineRecords: 1000, inputs: 10, paramLength: 100, regexLength: 20, pageSize: 10, resultLimit: 10, watchesPerCaller: 1, uploadBytes: 10 * 1024 * 1024,
};
const newFrames = (overrides: Partial<RequestLimits> = {}): CheckedFrames => {
  const merged = { ...limits, ...overrides };
  return new CheckedFrames(uploadFrameChecks(new UploadChecks(merged)), merged.messageBytes);
};

function codeOf(run: () => void): Code | 'none' {
  try {
    run();
    return 'none';
  } catch (error) {
    return toConnectError(error).code;
  }
}

describe('CheckedFrames with the checks of UploadJob', () => {
  const text = new TextEncoder().encode('the quick brown fox\njumps over the lazy dog\n'.repeat(3000));
  const stream = concat([
    frame({ kind: { case: 'spec', value: { function: 'wordcount', reducers: 2 } } }),
    frame({ kind: { case: 'chunk', value: text.subarray(0, 100_000) } }),
    frame({ kind: { case: 'chunk', value: new Uint8Array() } }),
    frame({ kind: { case: 'chunk', value: text.subarray(100_000) } }),
    frame({ kind: { case: 'end', value: { bytes: BigInt(text.length) } } }),
  ]);

  it.each([
    ['whole', [stream.length]],
    ['byte by byte', [1]],
    ['in DATA-frame-sized pieces', [16_384]],
    ['in uneven pieces', [3, 7, 1, 4096, 2, 11, 65_536]],
  ])('passes every byte on unchanged, in order, when the stream arrives %s', (_name, sizes) => {
    const frames = newFrames();
    const out = cut(stream, sizes).flatMap((piece) => frames.push(piece));
    frames.end();
    expect(concat(out)).toEqual(stream);
    const decoded = messages(concat(out));
    expect(decoded.map((m) => m.kind.case)).toEqual(['spec', 'chunk', 'chunk', 'chunk', 'end']);
  });

  it("passes a chunk's bytes as views of the data it read (no copy), and holds a message's first bytes until it is checked", () => {
    const frames = newFrames();
    const chunk = frame({ kind: { case: 'chunk', value: text.subarray(0, 50_000) } });
    expect(frames.push(chunk.subarray(0, 6))).toEqual([]); // header and tag: not yet checked
    const out = frames.push(chunk.subarray(6));
    expect(concat(out)).toEqual(chunk.subarray(0));
    expect(out.at(-1)!.buffer).toBe(chunk.buffer);
  });

  it('refuses the chunk that crosses the upload limit before passing any of its bytes on', () => {
    const frames = newFrames({ uploadBytes: 120_000 });
    const passed: Uint8Array[] = [];
    const pieces = cut(stream, [4096]);
    let failure: unknown;
    try {
      for (const piece of pieces) passed.push(...frames.push(piece));
    } catch (error) {
      failure = error;
    }
    expect(toConnectError(failure).rawMessage).toContain('GATEWAY_MAX_UPLOAD_SIZE');
    expect(toConnectError(failure).code).toBe(Code.ResourceExhausted);
    // What passed is the stream up to, at most, the end of the first two chunks.
    const thirdChunkAt = stream.length - frame({ kind: { case: 'end', value: { bytes: BigInt(text.length) } } }).length - frame({ kind: { case: 'chunk', value: text.subarray(100_000) } }).length;
    const sent = concat(passed);
    expect(sent.length).toBeGreaterThan(90_000); // the piece that held the refused head is dropped whole
    expect(sent.length).toBeLessThanOrEqual(thirdChunkAt);
    expect(sent).toEqual(stream.subarray(0, sent.length));
  });

  it('checks the spec like SubmitJob (the limit named), before any byte of it is passed on', () => {
    const frames = newFrames({ inputs: 1 });
    const spec = frame({ kind: { case: 'spec', value: { function: 'wordcount', inputs: [{ source: { case: 'inline', value: { records: ['a'] } } }, { source: { case: 'inline', value: { records: ['b'] } } }] } } });
    let failure: unknown;
    const passed: Uint8Array[] = [];
    try {
      for (const piece of cut(spec, [1])) passed.push(...frames.push(piece));
    } catch (error) {
      failure = error;
    }
    expect(passed).toEqual([]);
    expect(toConnectError(failure).code).toBe(Code.ResourceExhausted);
    expect(toConnectError(failure).rawMessage).toContain('GATEWAY_MAX_INPUTS');
  });

  it('answers faults with the codes Connect gives them', () => {
    expect(codeOf(() => newFrames({ messageBytes: 1024 }).push(frame({ kind: { case: 'chunk', value: text.subarray(0, 2000) } })))).toBe(Code.ResourceExhausted);
    expect(codeOf(() => newFrames().push(frameOf(new Uint8Array([0x0a, 0x00]), 1)))).toBe(Code.Internal);
    expect(codeOf(() => newFrames().push(frameOf(new Uint8Array([0xff, 0xff, 0xff]))))).toBe(Code.Internal);
    const truncated = newFrames();
    truncated.push(frame({ kind: { case: 'chunk', value: text.subarray(0, 100) } }).subarray(0, 50));
    expect(codeOf(() => truncated.end())).toBe(Code.InvalidArgument);
    const halfHeader = newFrames();
    halfHeader.push(new Uint8Array([0, 0]));
    expect(codeOf(() => halfHeader.end())).toBe(Code.InvalidArgument);
  });

  it('decodes and checks a chunk that carries other fields beside it, and an empty message', () => {
    const frames = newFrames({ uploadBytes: 10 });
    // chunk (field 2) of 4 bytes, then an unknown field 9 (varint): not a lone chunk.
    const body = new Uint8Array([0x12, 0x04, 0x61, 0x62, 0x63, 0x64, 0x48, 0x01]);
    expect(concat(frames.push(frameOf(body)))).toEqual(frameOf(body));
    expect(concat(frames.push(frameOf(new Uint8Array())))).toEqual(frameOf(new Uint8Array()));
    expect(codeOf(() => frames.push(frameOf(new Uint8Array([0x12, 0x08, 1, 2, 3, 4, 5, 6, 7, 8]))))).toBe(Code.ResourceExhausted);
  });
});
