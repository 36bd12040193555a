import { create, toBinary } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { PartitionUnavailableError } from '@weft/errors';
import { MapperService, StreamPartitionResponseSchema, type MapOutputLocation } from '@weft/proto/cluster';
import { codecByName, joinRun, readRun, RunWriter } from '@weft/records';
import { createClientFactory, GrpcServer, type ClientFactory } from '@weft/rpc';
import { createLogger } from '@weft/telemetry';
import { fetchPartition } from './fetch-partition.js';
import { dataOf, PartitionStreams } from './partition-streams.js';

function bigRun(records: number, seed: number): Uint8Array {
  const writer = new RunWriter(codecByName('json'));
  for (let i = 0; i < records; i++) writer.add(`k${String(Math.floor((i * 997) / records)).padStart(4, '0')}`, `line ${i * seed} é 日 😀 "q" \\ ${'x'.repeat(i % 300)}`);
  return writer.finish();
}

describe('PartitionStreams (the reducer\'s own StreamPartition reader)', () => {
  const runs: Record<string, Uint8Array> = {};
  let server: GrpcServer;
  let address: string;
  let clients: ClientFactory;
  const streams = new PartitionStreams();
  let cancelled = 0;
  let chunkBytes = 1 << 20;

  beforeAll(async () => {
    runs['big'] = bigRun(20_000, 7); // ~3.5 MB, records of up to ~330 bytes
    runs['small'] = bigRun(3, 1);
    server = new GrpcServer({ log: createLogger({ service: 'test', level: 'silent' }) });
    server.add(MapperService, {
      async *streamPartition(request, ctx) {
        ctx.signal.addEventListener('abort', () => (cancelled += 1));
        if (request.taskId === 'stall') await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
        if (request.taskId === 'gone') throw new PartitionUnavailableError(`job ${request.jobId} has no output of map task gone`);
        const run = runs[request.taskId]!;
        for (let at = 0; at < run.byteLength; at += chunkBytes) {
          if (request.taskId === 'slow') await new Promise((resolve) => setTimeout(resolve, 5));
          yield { data: run.subarray(at, at + chunkBytes) };
        }
        if (request.taskId === 'half') throw new PartitionUnavailableError('the output went away while being read');
      },
    });
    address = `http://127.0.0.1:${await server.listen()}`;
    clients = createClientFactory();
  });

  afterAll(async () => {
    streams.close();
    clients.close?.();
    await server.close(100);
  });

  const read = async (taskId: string, signal = new AbortController().signal): Promise<Uint8Array[]> => {
    const pieces: Uint8Array[] = [];
    for await (const piece of streams.stream(address, { jobId: 'j', taskId, attempt: 1, partition: 0 }, signal)) pieces.push(piece);
    return pieces;
  };
  const collect = async (from: PartitionStreams, taskId: string, signal = new AbortController().signal): Promise<Uint8Array[]> => {
    const pieces: Uint8Array[] = [];
    for await (const piece of from.stream(address, { jobId: 'j', taskId, attempt: 1, partition: 0 }, signal)) pieces.push(piece);
    return pieces;
  };
  const connectError = async (taskId: string): Promise<ConnectError> => {
    try {
      for await (const _ of clients.client(MapperService, address).streamPartition({ jobId: 'j', taskId, attempt: 1, partition: 0 }));
    } catch (error) {
      return ConnectError.from(error);
    }
    throw new Error('expected a failure');
  };

  it('yields the run\'s pieces in order, each the only view into its buffer, at any chunk size', async () => {
    for (const size of [1 << 20, 1000, 16_379, 70_000]) {
      chunkBytes = size;
      const pieces = await read('big');
      expect(pieces).toHaveLength(Math.ceil(runs['big']!.byteLength / size));
      expect(Buffer.compare(joinRun(pieces), runs['big']!)).toBe(0);
      for (const piece of pieces) expect(piece.buffer.byteLength - piece.byteLength).toBeLessThanOrEqual(16);
    }
    chunkBytes = 1 << 20;
    expect(Buffer.compare(joinRun(await read('small')), runs['small']!)).toBe(0);
  });

  it('fails with the status the Connect client sees: before any data, and after some', async () => {
    for (const taskId of ['gone', 'half']) {
      runs['half'] = runs['big']!;
      chunkBytes = 64 * 1024;
      const expected = await connectError(taskId);
      const error = await read(taskId).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectError);
      expect((error as ConnectError).code).toBe(expected.code);
      expect((error as ConnectError).rawMessage).toBe(expected.rawMessage);
    }
    chunkBytes = 1 << 20;
  });

  it('fails as UNAVAILABLE when the mapper cannot be reached, and stops (cancelling the call) when aborted', async () => {
    const unreachable = new PartitionStreams();
    const error = await (async () => {
      for await (const _ of unreachable.stream('http://127.0.0.1:1', { jobId: 'j', taskId: 'x', attempt: 1, partition: 0 }, new AbortController().signal));
    })().then(() => undefined, (e: unknown) => e);
    unreachable.close();
    expect((error as ConnectError).code).toBe(Code.Unavailable);

    runs['slow'] = runs['big']!;
    chunkBytes = 16 * 1024;
    const abort = new AbortController();
    const before = cancelled;
    let received = 0;
    const aborted = await (async () => {
      for await (const piece of streams.stream(address, { jobId: 'j', taskId: 'slow', attempt: 1, partition: 0 }, abort.signal)) {
        received += piece.byteLength;
        if (received > 100_000) abort.abort(new Error('enough'));
      }
    })().then(() => undefined, (e: unknown) => e);
    chunkBytes = 1 << 20;
    expect((aborted as ConnectError).code).toBe(Code.Canceled);
    for (const deadline = Date.now() + 10_000; cancelled <= before && Date.now() < deadline;) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(cancelled).toBeGreaterThan(before);
  });

  it('drops a session whose call was aborted after a long silence (a dead link), so the retry connects afresh', async () => {
    const stalling = new PartitionStreams({ stallMs: 50 });
    try {
      expect(Buffer.compare(joinRun(await collect(stalling, 'small')), runs['small']!)).toBe(0);
      expect(stalling.sessionCount).toBe(1);
      const abort = new AbortController();
      setTimeout(() => abort.abort(new Error('fetch timed out')), 200);
      const error = await collect(stalling, 'stall', abort.signal).then(() => undefined, (e: unknown) => e);
      expect((error as ConnectError).code).toBe(Code.Canceled);
      expect(stalling.sessionCount).toBe(0);
      expect(Buffer.compare(joinRun(await collect(stalling, 'small')), runs['small']!)).toBe(0);
    } finally {
      stalling.close();
    }
  });

  it('holds back a fast mapper while the reader is slow, and loses nothing', async () => {
    chunkBytes = 32 * 1024;
    const pieces: Uint8Array[] = [];
    for await (const piece of streams.stream(address, { jobId: 'j', taskId: 'big', attempt: 1, partition: 0 }, new AbortController().signal)) {
      pieces.push(piece);
      if (pieces.length % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 2));
    }
    chunkBytes = 1 << 20;
    expect(Buffer.compare(joinRun(pieces), runs['big']!)).toBe(0);
  });

  it('feeds fetchPartition the same runs as the Connect client, and the reduce reads them', async () => {
    const sources = ['big', 'small'].map((taskId) => ({ taskId, attempt: 1, nodeId: 'm', address }) as MapOutputLocation);
    const options = { concurrency: 2, signal: new AbortController().signal, memoryBudgetBytes: 1 << 30 };
    const viaConnect = await fetchPartition(clients, 'j', 0, sources, options);
    const viaRaw = await fetchPartition(clients, 'j', 0, sources, { ...options, openStream: (source, request, signal) => streams.stream(source.address, request, signal) });
    expect(viaRaw.bytes).toBe(viaConnect.bytes);
    expect(viaRaw.runs).toHaveLength(2);
    viaRaw.runs.forEach((run, i) => expect(Buffer.compare(joinRun(run), joinRun(viaConnect.runs[i]!))).toBe(0));
    expect([...readRun(viaRaw.runs[1]!, codecByName('json'))]).toEqual([...readRun(runs['small']!, codecByName('json'))]);
  });

  it('parses the data field of any StreamPartitionResponse encoding, skipping unknown fields', () => {
    const data = new Uint8Array([1, 2, 3, 250]);
    const encoded = toBinary(StreamPartitionResponseSchema, create(StreamPartitionResponseSchema, { data }));
    expect([...dataOf(encoded)]).toEqual([...data]);
    // Unknown varint, fixed64, bytes and fixed32 fields around it (a newer mapper's).
    const withUnknown = new Uint8Array([0x10, 0x96, 0x01, 0x19, 1, 2, 3, 4, 5, 6, 7, 8, ...encoded, 0x22, 2, 9, 9, 0x2d, 1, 2, 3, 4]);
    expect([...dataOf(withUnknown)]).toEqual([...data]);
    expect(dataOf(new Uint8Array(0)).byteLength).toBe(0);
    expect(() => dataOf(new Uint8Array([0x0a, 5, 1]))).toThrow(RangeError);
  });
});
