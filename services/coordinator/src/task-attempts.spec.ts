import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createClient, createRouterTransport } from '@connectrpc/connect';
import { isFailedPreconditionError } from '@weft/errors';
import { MapperService, type MapTaskSpec } from '@weft/proto/cluster';
import type { ClientFactory } from '@weft/rpc';
import type { MapInput } from './map-planner.js';
import { runMapAttempt, type AttemptJob } from './task-attempts.js';

const dir = mkdtempSync(path.join(tmpdir(), 'weft-task-attempts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What a fake mapper was sent by one RunMapTask call: the spec and the streamed bytes. */
interface Received {
  spec: MapTaskSpec | undefined;
  bytes: Buffer;
  ended: boolean;
}

/** A client factory whose every mapper records what it is sent and answers a result. */
function fakeMapper(calls: Received[]): ClientFactory {
  const transport = createRouterTransport((router) =>
    router.service(MapperService, {
      async *runMapTask(requests) {
        const call: Received = { spec: undefined, bytes: Buffer.alloc(0), ended: false };
        calls.push(call);
        for await (const request of requests) {
          if (request.kind.case === 'spec') call.spec = request.kind.value;
          else if (request.kind.case === 'chunk') call.bytes = Buffer.concat([call.bytes, request.kind.value]);
          else if (request.kind.case === 'end') call.ended = true;
        }
        yield { kind: { case: 'result', value: {} } };
      },
    }),
  );
  return {
    client: (() => createClient(MapperService, transport)) as ClientFactory['client'],
    transport: () => transport,
    http2: () => {
      throw new Error('unused');
    },
    forget: () => undefined,
    close: () => undefined,
  };
}

const job = (sendFiles: boolean): AttemptJob => ({ function: 'wordcount', paramsJson: '{}', partitions: 1, skipBadRecords: false, timeoutMs: 0, sendFiles });
const task = { jobId: 'j', taskId: 'm-1', attempt: 1 };

describe('runMapAttempt', () => {
  const text = 'alpha beta\ngamma delta\nepsilon\nzeta eta theta\n';
  const file = path.join(dir, 'input.txt');
  writeFileSync(file, text);
  // A split cut inside the first and the third line: it owns the second and the third.
  const split: MapInput = { kind: 'file', path: file, start: 3, end: 25, label: file };

  it('names the file range for a mapper that reads it itself', async () => {
    const calls: Received[] = [];
    await runMapAttempt(fakeMapper(calls), 'http://m:1', task, split, job(false), new AbortController().signal);
    expect(calls.map((c) => ({ input: c.spec?.input, bytes: c.bytes.length, offset: c.spec?.inputOffset }))).toEqual([
      { input: { case: 'file', value: expect.objectContaining({ path: file, start: 3n, end: 25n }) }, bytes: 0, offset: 0n },
    ]);
  });

  it('sends the lines the range owns, their file offset and their size, when mappers cannot read the file', async () => {
    const calls: Received[] = [];
    await runMapAttempt(fakeMapper(calls), 'http://m:1', task, split, job(true), new AbortController().signal);
    const from = text.indexOf('gamma');
    expect(calls.map((c) => ({ input: c.spec?.input.case, text: c.bytes.toString(), offset: c.spec?.inputOffset, size: c.spec?.inputBytes, ended: c.ended }))).toEqual([
      { input: 'streamed', text: 'gamma delta\nepsilon\n', offset: BigInt(from), size: 20n, ended: true },
    ]);
  });

  it('fails as FAILED_PRECONDITION, without calling the mapper, when the coordinator cannot read the file', async () => {
    const calls: Received[] = [];
    const missing: MapInput = { ...split, path: path.join(dir, 'gone.txt'), label: 'gone.txt' };
    const error = await runMapAttempt(fakeMapper(calls), 'http://m:1', task, missing, job(true), new AbortController().signal).then(() => undefined, (e: unknown) => e);
    expect(isFailedPreconditionError(error) && (error as Error).message).toMatch(/^input gone\.txt could not be read by the coordinator: .*ENOENT/);
    expect(calls).toEqual([]);
  });
});
