import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { Code, ConnectError, createClient, type CallOptions, type HandlerContext } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport } from '@connectrpc/connect-node';
import { JobService, ResultFormat, type ReadResultsRequest, type ReadResultsResponseSchema, type UploadJobRequest, type UploadJobRequestSchema } from '@weft/proto';
import { GrpcServer, type RunningService } from '@weft/rpc';
import { createLogger } from '@weft/telemetry';
import { callOutcome } from './__fixtures__/call-outcome.js';
import { loadConfig } from './config.js';
import { startGateway } from './gateway.js';

type Request = MessageInitShape<typeof UploadJobRequestSchema>;

/** What the coordinator stand-in saw of one UploadJob call. */
interface Seen {
  readonly headers: Headers;
  readonly timeoutMs: number | undefined;
  readonly kinds: string[];
  chunkBytes: number;
  readonly hash: ReturnType<typeof createHash>;
  endBytes?: bigint;
  /** How the call ended on the coordinator's side: `ok` (its request stream ended), `refused`, or the error its stream raised. */
  outcome?: string;
}

const silent = createLogger({ service: 'gateway', level: 'silent' });
const log = createLogger({ service: 'coordinator', level: 'silent' });

/**
 * The coordinator's side of UploadJob, on a real grpc-js server (the coordinator's stack): it
 * records what arrives and answers as `behaviour` says. The gateway under test is real.
 */
class CoordinatorStandIn {
  readonly calls: Seen[] = [];
  behaviour: 'accept' | 'refuse-at-spec' | 'hold' | 'break' = 'accept';
  /** What ReadResults calls asked for, with their headers, and how each ended. */
  readonly reads: { request: ReadResultsRequest; headers: Headers; outcome?: string }[] = [];
  /** The batches ReadResults answers (each batch's `delimited_records`). */
  batches: Uint8Array[] = [];
  /** Batches ReadResults has handed to the server so far. */
  yielded = 0;
  private release: () => void = () => undefined;
  private held = Promise.resolve();
  private readonly server = new GrpcServer({ log }).add(JobService, {
    uploadJob: async (requests: AsyncIterable<UploadJobRequest>, ctx: HandlerContext) => {
      const seen: Seen = { headers: ctx.requestHeader, timeoutMs: ctx.timeoutMs(), kinds: [], chunkBytes: 0, hash: createHash('sha256') };
      this.calls.push(seen);
      try {
        for await (const message of requests) {
          seen.kinds.push(message.kind.case ?? 'none');
          if (message.kind.case === 'chunk') {
            seen.chunkBytes += message.kind.value.byteLength;
            seen.hash.update(message.kind.value);
          }
          if (message.kind.case === 'end') seen.endBytes = message.kind.value.bytes;
          if (message.kind.case === 'spec' && this.behaviour === 'refuse-at-spec') {
            seen.outcome = 'refused';
            throw new ConnectError('spec.function "nope" is not registered (ü 100%)', Code.InvalidArgument);
          }
          if (this.behaviour === 'hold') await this.held;
        }
      } catch (error) {
        seen.outcome ??= ConnectError.from(error).code === Code.Canceled ? 'cancelled' : `error: ${String(error)}`;
        throw error;
      }
      seen.outcome = 'ok';
      return { jobId: `j-${this.calls.length}` };
    },
    readResults: (request: ReadResultsRequest, ctx: HandlerContext) => this.readResults(request, ctx),
  });

  private async *readResults(request: ReadResultsRequest, ctx: HandlerContext): AsyncGenerator<MessageInitShape<typeof ReadResultsResponseSchema>> {
    const read: (typeof this.reads)[number] = { request, headers: ctx.requestHeader };
    this.reads.push(read);
    try {
      if (request.jobId === 'j-missing') throw new ConnectError('job "j-missing" does not exist', Code.NotFound);
      for (const [i, batch] of this.batches.entries()) {
        if (this.behaviour === 'break' && i === 2) throw new ConnectError('the result file is damaged (ü)', Code.DataLoss);
        if (this.behaviour === 'hold' && i === 1) await this.held;
        ctx.signal.throwIfAborted();
        yield { delimitedRecords: batch, recordCount: 1 };
        this.yielded++;
      }
      read.outcome = 'ok';
    } catch (error) {
      read.outcome = ctx.signal.aborted ? 'cancelled' : `error: ${ConnectError.from(error).rawMessage}`;
      throw error;
    } finally {
      // A call cancelled while the generator waits at a yield ends it with return().
      read.outcome ??= ctx.signal.aborted ? 'cancelled' : 'returned';
    }
  }

  async start(): Promise<string> {
    return `http://127.0.0.1:${await this.server.listen()}`;
  }

  hold(): void {
    this.behaviour = 'hold';
    this.held = new Promise((resolve) => (this.release = resolve));
  }

  unhold(): void {
    this.release();
  }

  stop(): Promise<void> {
    this.unhold();
    return this.server.close(100);
  }
}

/** Text of `bytes` bytes, deterministic. */
function text(bytes: number, seed = 1): Uint8Array {
  const words = ['alpha', 'beta', 'gamma', 'delta', 'ü', 'épsilon', 'zeta'];
  const out = Buffer.alloc(bytes);
  let at = 0;
  for (let i = seed; at < bytes; i++) at += out.write(i % 13 === 0 ? '\n' : `${words[(i * 7) % words.length]} `, at);
  return out;
}

async function* upload(spec: Request['kind'] & { case: 'spec' }, chunks: readonly Uint8Array[], pulled?: { count: number }): AsyncGenerator<Request> {
  yield { kind: spec };
  let bytes = 0;
  for (const chunk of chunks) {
    if (pulled) pulled.count++;
    yield { kind: { case: 'chunk', value: chunk } };
    bytes += chunk.byteLength;
  }
  yield { kind: { case: 'end', value: { bytes: BigInt(bytes) } } };
}

const wordcount = { case: 'spec', value: { function: 'wordcount' } } as const;


/** A batch's length and SHA-256 (comparing megabytes with toEqual takes seconds). */
const digest = (bytes: Uint8Array): string => `${bytes.length}:${createHash('sha256').update(bytes).digest('hex')}`;

async function drain<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of stream) out.push(item);
  return out;
}

async function eventually(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('the gateway passes gRPC UploadJob and ReadResults calls through frame by frame', () => {
  const dir = mkdtempSync(join(tmpdir(), 'weft-upload-relay-'));
  const coordinator = new CoordinatorStandIn();
  let coordinatorUrl = '';
  const gateways: RunningService[] = [];

  async function gateway(env: Record<string, string> = {}): Promise<string> {
    const started = await startGateway(loadConfig({ COORDINATOR_URL: coordinatorUrl, GATEWAY_PORT: '0', GATEWAY_DEV_MODE: 'true', ...env }), silent);
    gateways.push(started);
    return started.address;
  }

  const grpc = (baseUrl: string) => createClient(JobService, createGrpcTransport({ baseUrl }));

  beforeAll(async () => {
    coordinatorUrl = await coordinator.start();
  });
  beforeEach(() => {
    coordinator.calls.length = 0;
    coordinator.reads.length = 0;
    coordinator.yielded = 0;
    coordinator.behaviour = 'accept';
    coordinator.batches = [text(1024 * 1024 - 64, 1), text(5, 2), text(700_000, 3), text(1024 * 1024 - 64, 4)];
  });
  afterAll(async () => {
    for (const g of gateways) await g.stop();
    await coordinator.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("passes every message on unchanged, with the caller's deadline, and answers the coordinator's job id", async () => {
    const url = await gateway();
    const chunks = [text(1024 * 1024 - 16), text(16, 2), new Uint8Array(), text(300_000, 3), text(2_500_000, 4), text(1, 5)];
    const expected = createHash('sha256');
    for (const c of chunks) expected.update(c);
    const total = chunks.reduce((n, c) => n + c.byteLength, 0);

    const res = await grpc(url).uploadJob(upload(wordcount, chunks), { timeoutMs: 30_000 });

    expect(res.jobId).toBe('j-1');
    const [seen] = coordinator.calls;
    expect(seen!.kinds).toEqual(['spec', ...chunks.map(() => 'chunk'), 'end']);
    expect(seen!.chunkBytes).toBe(total);
    expect(seen!.endBytes).toBe(BigInt(total));
    expect(seen!.hash.digest('hex')).toBe(expected.digest('hex'));
    expect(seen!.outcome).toBe('ok');
    // The relay, not the Connect stack, made the call; the deadline went with it.
    expect(seen!.headers.get('user-agent')).toBe('weft-gateway');
    expect(seen!.timeoutMs).toBeGreaterThan(20_000);
    expect(seen!.timeoutMs).toBeLessThanOrEqual(30_000);
    expect(seen!.headers.get('x-weft-principal')).toBeNull();
  });

  it('leaves Connect-protocol uploads to the Connect stack, which relays them as before', async () => {
    const url = await gateway();
    const client = createClient(JobService, createConnectTransport({ baseUrl: url, httpVersion: '2' }));
    const res = await client.uploadJob(upload(wordcount, [text(200_000)]));
    expect(res.jobId).toBe('j-1');
    expect(coordinator.calls[0]!.chunkBytes).toBe(200_000);
    expect(coordinator.calls[0]!.headers.get('user-agent')).not.toBe('weft-gateway');
  });

  it("passes the coordinator's refusal on, code and message, and stops a caller that is still sending", async () => {
    const url = await gateway();
    coordinator.behaviour = 'refuse-at-spec';
    const pulled = { count: 0 };
    // 400 MiB that the caller would send if nobody stopped it.
    const chunk = text(1024 * 1024);
    const outcome = await callOutcome(grpc(url).uploadJob(upload(wordcount, Array.from({ length: 400 }, () => chunk), pulled), { timeoutMs: 60_000 }));
    expect(outcome).toBe('InvalidArgument: spec.function "nope" is not registered (ü 100%)');
    expect(pulled.count).toBeLessThan(400);
  });

  it('refuses an upload past GATEWAY_MAX_UPLOAD_SIZE before the coordinator sees a byte past it, and cancels its call', async () => {
    const url = await gateway({ GATEWAY_MAX_UPLOAD_SIZE: '1MiB' });
    const outcome = await callOutcome(grpc(url).uploadJob(upload(wordcount, [text(600_000), text(600_000, 2), text(600_000, 3)])));
    expect(outcome).toBe('ResourceExhausted: the upload exceeds 1048576 bytes (GATEWAY_MAX_UPLOAD_SIZE)');
    await eventually("the coordinator's call ended", () => coordinator.calls[0]?.outcome !== undefined);
    expect(coordinator.calls[0]!.chunkBytes).toBe(600_000);
    // grpc-js may end a reset call's request stream as if it were complete: without `end`, the
    // coordinator refuses it as broken off.
    expect(coordinator.calls[0]!.kinds).not.toContain('end');
  });

  it("checks the spec like SubmitJob's and refuses it before passing it on", async () => {
    const url = await gateway({ GATEWAY_MAX_INPUTS: '1' });
    const inputs = [{ source: { case: 'inline' as const, value: { records: ['a'] } } }, { source: { case: 'inline' as const, value: { records: ['b'] } } }];
    const outcome = await callOutcome(grpc(url).uploadJob(upload({ case: 'spec', value: { function: 'wordcount', inputs } }, [text(1000)])));
    expect(outcome).toMatch(/^ResourceExhausted: .*GATEWAY_MAX_INPUTS/);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(coordinator.calls.flatMap((c) => c.kinds)).toEqual([]);
  });

  it('authenticates like the other calls: the submit scope, and only its own identity goes on', async () => {
    const tokensFile = join(dir, 'tokens');
    const alice = 'alice-token-0123456789';
    const reader = 'reader-token-0123456789';
    writeFileSync(tokensFile, `${alice} submit,read alice\n${reader} read\n`);
    const url = await gateway({ GATEWAY_DEV_MODE: 'false', GATEWAY_TOKENS_FILE: tokensFile });
    const call = (headers: Record<string, string>): Promise<string> => callOutcome(grpc(url).uploadJob(upload(wordcount, [text(1000)]), { headers } satisfies CallOptions));

    expect(await call({})).toBe('Unauthenticated: authentication required: send a valid bearer token');
    expect(await call({ authorization: `Bearer ${reader}` })).toBe('PermissionDenied: UploadJob needs a token with the "submit" scope');
    expect(coordinator.calls).toEqual([]);
    expect(await call({ authorization: `Bearer ${alice}`, 'x-weft-principal': 'mallory', 'x-weft-admin': 'true' })).toBe('OK');
    expect(coordinator.calls[0]!.headers.get('x-weft-principal')).toBe('alice');
    expect(coordinator.calls[0]!.headers.get('x-weft-admin')).toBe('false');

    // ReadResults needs the read scope (any valid token here); the owner check is the coordinator's, by these headers.
    expect(await callOutcome(drain(grpc(url).readResults({ jobId: 'j-1' })))).toBe('Unauthenticated: authentication required: send a valid bearer token');
    expect(await callOutcome(drain(grpc(url).readResults({ jobId: 'j-1' }, { headers: { authorization: `Bearer ${alice}`, 'x-weft-principal': 'mallory' } })))).toBe('OK');
    expect(coordinator.reads.map((r) => r.headers.get('x-weft-principal'))).toEqual(['alice']);
  });

  it('holds an admission place while it streams: a call beyond the limit and the queue is refused at once', async () => {
    const url = await gateway({ GATEWAY_ADMISSION_LIMIT: '1', GATEWAY_ADMISSION_QUEUE: '0' });
    coordinator.hold();
    const first = grpc(url).uploadJob(upload(wordcount, [text(1000)]));
    await eventually('the first upload reached the coordinator', () => coordinator.calls.length === 1);
    expect(await callOutcome(grpc(url).uploadJob(upload(wordcount, [text(1000)])))).toMatch(/^ResourceExhausted: the gateway is at its admission limit/);
    coordinator.unhold();
    expect((await first).jobId).toBe('j-1');
  });

  it("cancels the coordinator's call when the caller goes away mid-upload", async () => {
    const url = await gateway();
    coordinator.hold();
    const stop = new AbortController();
    // 64 MiB: far more than the HTTP/2 windows hold, so the caller is still sending when it stops.
    const chunk = text(1024 * 1024);
    const pulled = { count: 0 };
    const uploading = callOutcome(grpc(url).uploadJob(upload(wordcount, Array.from({ length: 64 }, () => chunk), pulled), { signal: stop.signal }));
    await eventually('the upload reached the coordinator', () => (coordinator.calls[0]?.kinds.length ?? 0) > 0);
    stop.abort();
    expect(await uploading).toMatch(/^Canceled/);
    coordinator.unhold();
    await eventually("the coordinator's call ended", () => coordinator.calls[0]?.outcome !== undefined);
    expect(coordinator.calls[0]!.kinds).not.toContain('end');
    expect(pulled.count).toBeLessThan(64);
  });

  it("passes a job's results on batch by batch, unchanged, with the request as the caller sent it", async () => {
    const url = await gateway();
    const answers = await drain(grpc(url).readResults({ jobId: 'j-7', format: ResultFormat.DELIMITED, limit: 5n, offset: 3n }, { timeoutMs: 30_000 }));
    expect(answers.map((a) => digest(a.delimitedRecords))).toEqual(coordinator.batches.map(digest));
    const [read] = coordinator.reads;
    expect(read!.request).toMatchObject({ jobId: 'j-7', format: ResultFormat.DELIMITED, limit: 5n, offset: 3n });
    expect(read!.headers.get('user-agent')).toBe('weft-gateway');
    expect(read!.outcome).toBe('ok');
  });

  it("passes the coordinator's errors on: a refusal at once, and a failure after some batches, code and message", async () => {
    const url = await gateway();
    expect(await callOutcome(drain(grpc(url).readResults({ jobId: 'j-missing' })))).toBe('NotFound: job "j-missing" does not exist');
    coordinator.behaviour = 'break';
    const got: Uint8Array[] = [];
    const outcome = await callOutcome(
      (async () => {
        for await (const answer of grpc(url).readResults({ jobId: 'j-1' })) got.push(answer.delimitedRecords);
      })(),
    );
    expect(outcome).toBe('DataLoss: the result file is damaged (ü)');
    expect(got.map(digest)).toEqual(coordinator.batches.slice(0, 2).map(digest));
  });

  it('checks the request like the Connect path, and the coordinator never sees a refused one', async () => {
    const url = await gateway({ GATEWAY_MAX_RESULT_LIMIT: '100' });
    expect(await callOutcome(drain(grpc(url).readResults({ jobId: 'j-1', limit: 1000n })))).toBe('InvalidArgument: limit is 1000; the limit is 100 (GATEWAY_MAX_RESULT_LIMIT)');
    expect(coordinator.reads).toEqual([]);
  });

  it('holds the coordinator back while the caller does not read, and cancels its call when the caller stops', async () => {
    const url = await gateway();
    const batch = text(1024 * 1024 - 64, 9);
    coordinator.batches = Array.from({ length: 64 }, () => batch);
    const stop = new AbortController();
    const stream = grpc(url).readResults({ jobId: 'j-1' }, { signal: stop.signal })[Symbol.asyncIterator]();
    expect((await stream.next()).done).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 500));
    // Flow control reaches the coordinator: far fewer than 64 MiB left it while nobody read.
    expect(coordinator.yielded).toBeLessThan(40);
    stop.abort();
    await eventually("the coordinator's call ended", () => coordinator.reads[0]?.outcome !== undefined);
    expect(coordinator.reads[0]!.outcome).toBe('cancelled');
  });

  it('leaves ReadResults to the Connect stack when that would compress the answer', async () => {
    const url = await gateway({ GATEWAY_RESPONSE_COMPRESSION: 'always' });
    const answers = await drain(grpc(url).readResults({ jobId: 'j-1' }));
    expect(answers.map((a) => digest(a.delimitedRecords))).toEqual(coordinator.batches.map(digest));
    expect(coordinator.reads[0]!.headers.get('user-agent')).not.toBe('weft-gateway');
  });

  it('refuses a malformed grpc-timeout with the code and message of the Connect path', async () => {
    const url = await gateway();
    const bad = { headers: { 'grpc-timeout': 'soon' } };
    const uploaded = await callOutcome(grpc(url).uploadJob(upload(wordcount, [text(100)]), bad));
    expect(uploaded).toBe('InvalidArgument: protocol error: invalid grpc timeout value: soon');
    expect(await callOutcome(grpc(url).getJob({ jobId: 'j-1' }, bad))).toBe(uploaded);
    expect(coordinator.calls).toEqual([]);
  });

  it('answers UNAVAILABLE when the coordinator cannot be reached', async () => {
    const started = await startGateway(loadConfig({ COORDINATOR_URL: 'http://127.0.0.1:9', GATEWAY_PORT: '0', GATEWAY_DEV_MODE: 'true' }), silent);
    gateways.push(started);
    expect(await callOutcome(grpc(started.address).uploadJob(upload(wordcount, [text(1000)])))).toMatch(/^Unavailable: the coordinator at http:\/\/127\.0\.0\.1:9 is unavailable/);
  });
});
