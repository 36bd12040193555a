import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createClient } from '@connectrpc/connect';
import type { Transport } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import type { JobHandle } from '@weft/client';
import { FaultService, MapperService, RegistryService } from '@weft/proto/cluster';
import { ServerReflection, ServerReflectionV1alpha } from '@weft/proto/reflection';
import { useClusterSuite } from './support/cluster-suite.js';
import { workspaceRoot } from './support/python-interop.js';
import { rejectionOf } from './support/rejection-of.js';
import { gatewayServices } from './support/gateway-services.js';

// Issue 6, "Must show": plain curl speaks Connect JSON over HTTP/1.1 (unary and a server stream);
// a Connect gRPC client lists the gateway's services through reflection; internal RPC names on the
// public port are UNIMPLEMENTED for gRPC clients (404 for Connect), however they are streamed.

const run = promisify(execFile);
const suite = useClusterSuite('interop-connect', { mappers: 1, reducers: 1 });
const records = ['the cat sat on the mat', 'The dog sat', 'a cat, a dog'];
let jobPromise: Promise<JobHandle> | undefined;

/** One succeeded job shared by the curl tests. */
function succeededJob(): Promise<JobHandle> {
  jobPromise ??= suite.cluster.client.submit({ function: 'wordcount', inputs: [{ records }], reducers: 2 }).then(async (job) => {
    await job.wait();
    return job;
  });
  return jobPromise;
}

interface CurlReply {
  readonly status: string;
  readonly httpVersion: string;
  readonly contentType: string;
  readonly body: Buffer;
}

/** Runs curl over HTTP/1.1 (never h2c) and returns the status, the HTTP version it used and the raw body. */
async function curl(url: string, args: readonly string[]): Promise<CurlReply> {
  const out = join(suite.dir, `curl-${Date.now()}-${Math.random().toString(36).slice(2)}.out`);
  const { stdout } = await run('curl', ['-sS', '--http1.1', '-o', out, '-w', '%{http_code} %{http_version} %{content_type}', ...args, url]);
  const [status = '', httpVersion = '', contentType = ''] = stdout.split(' ');
  return { status, httpVersion, contentType, body: await readFile(out) };
}

/** Splits a Connect streaming body into its envelopes: 1 flag byte, 4-byte big-endian length, JSON. */
function envelopes(body: Buffer): { endStream: boolean; json: unknown }[] {
  const frames: { endStream: boolean; json: unknown }[] = [];
  for (let at = 0; at < body.length; ) {
    const flags = body.readUInt8(at);
    const length = body.readUInt32BE(at + 1);
    frames.push({ endStream: (flags & 0b10) !== 0, json: JSON.parse(body.subarray(at + 5, at + 5 + length).toString('utf8')) });
    at += 5 + length;
  }
  return frames;
}

function grpcTransport(): Transport {
  return createGrpcTransport({ baseUrl: suite.cluster.gatewayUrl });
}

describe('interop: curl, reflection and internal names on the public port', () => {
  it('curl calls GetJob with Connect JSON over HTTP/1.1, by POST and by GET', () =>
    suite.run(async (cluster) => {
      const job = await succeededJob();
      const url = `${cluster.gatewayUrl}/weft.v1.JobService/GetJob`;
      const post = await curl(url, ['-H', 'content-type: application/json', '-H', 'connect-protocol-version: 1', '--data-binary', JSON.stringify({ jobId: job.id })]);
      expect([post.status, post.httpVersion, post.contentType]).toEqual(['200', '1.1', 'application/json']);
      const posted = JSON.parse(post.body.toString('utf8')) as { job: Record<string, unknown> };
      expect(posted.job).toMatchObject({ id: job.id, function: 'wordcount', state: 'JOB_STATE_SUCCEEDED', reducers: 2, resultCount: '8' });

      // GetJob is marked NO_SIDE_EFFECTS, so Connect serves it as a cacheable GET too.
      const message = encodeURIComponent(JSON.stringify({ jobId: job.id }));
      const get = await curl(`${url}?connect=v1&encoding=json&message=${message}`, []);
      expect([get.status, get.httpVersion]).toEqual(['200', '1.1']);
      expect(JSON.parse(get.body.toString('utf8'))).toEqual(posted);

      const missing = await curl(url, ['-H', 'content-type: application/json', '--data-binary', '{"jobId":"no-such-job"}']);
      expect(missing.status).toBe('404');
      expect(JSON.parse(missing.body.toString('utf8'))).toMatchObject({ code: 'not_found' });
    }));

  it('curl reads ReadResults as a Connect server stream (application/connect+json envelopes)', () =>
    suite.run(async (cluster) => {
      const job = await succeededJob();
      const request = Buffer.from(JSON.stringify({ jobId: job.id, order: 'RESULT_ORDER_VALUE_DESC', limit: '3' }));
      const prefix = Buffer.alloc(5);
      prefix.writeUInt32BE(request.length, 1);
      const bodyFile = join(suite.dir, 'read-results.bin');
      await writeFile(bodyFile, Buffer.concat([prefix, request]));

      const reply = await curl(`${cluster.gatewayUrl}/weft.v1.JobService/ReadResults`, [
        '-H', 'content-type: application/connect+json', '-H', 'connect-protocol-version: 1', '--data-binary', `@${bodyFile}`,
      ]);
      expect([reply.status, reply.httpVersion, reply.contentType]).toEqual(['200', '1.1', 'application/connect+json']);
      const frames = envelopes(reply.body);
      expect(frames.at(-1)).toEqual({ endStream: true, json: {} }); // no error, no trailers
      const results = frames.slice(0, -1).flatMap((f) => (f.json as { records?: { key: string; value: { int: string } }[] }).records ?? []);
      // the: 3; a, dog, sat: 2 each, ties by key ("cat," keeps its comma, so cat has 1).
      expect(results).toEqual([
        { key: 'the', value: { int: '3' } },
        { key: 'a', value: { int: '2' } },
        { key: 'dog', value: { int: '2' } },
      ]);
    }));

  it('lists the public services through reflection v1 and v1alpha with a Connect gRPC client', () =>
    suite.run(async () => {
      const expected = gatewayServices;
      const v1 = createClient(ServerReflection, grpcTransport());
      const answers = [];
      for await (const res of v1.serverReflectionInfo(
        (async function* () {
          yield { messageRequest: { case: 'listServices' as const, value: '' } };
          yield { messageRequest: { case: 'fileContainingSymbol' as const, value: 'weft.v1.JobService.SubmitJob' } };
        })(),
      )) answers.push(res);
      expect(answers.map((a) => a.messageResponse.case)).toEqual(['listServicesResponse', 'fileDescriptorResponse']);
      const [listed, file] = answers;
      expect(listed?.messageResponse.case === 'listServicesResponse' && listed.messageResponse.value.service.map((s) => s.name)).toEqual(expected);
      // The file itself, then its imports (struct and timestamp), each a serialized FileDescriptorProto.
      expect(file?.messageResponse.case === 'fileDescriptorResponse' && file.messageResponse.value.fileDescriptorProto.length).toBe(3);

      const v1alpha = createClient(ServerReflectionV1alpha, grpcTransport());
      const names = [];
      for await (const res of v1alpha.serverReflectionInfo(
        (async function* () {
          yield { messageRequest: { case: 'listServices' as const, value: '' } };
        })(),
      )) {
        if (res.messageResponse.case === 'listServicesResponse') names.push(...res.messageResponse.value.service.map((s) => s.name));
      }
      expect(names).toEqual(expected);
    }));

  it('buf curl (Go, a devDependency) lists services and calls GetJob over gRPC knowing nothing but reflection', () =>
    suite.run(async (cluster) => {
      const job = await succeededJob();
      const buf = join(workspaceRoot, 'node_modules/.bin/buf');
      const listed = await run(buf, ['curl', '--list-services', cluster.gatewayUrl]);
      expect(listed.stdout.trim().split('\n')).toEqual(gatewayServices);
      const called = await run(buf, ['curl', '--protocol', 'grpc', '--data', JSON.stringify({ jobId: job.id }), `${cluster.gatewayUrl}/weft.v1.JobService/GetJob`]);
      expect(JSON.parse(called.stdout)).toMatchObject({ job: { id: job.id, state: 'JOB_STATE_SUCCEEDED', resultCount: '8' } });
    }));

  it('answers UNIMPLEMENTED to internal RPC names on the public port (unary, server and bidi streams)', () =>
    suite.run(async (cluster) => {
      const transport = grpcTransport();
      const faults = createClient(FaultService, transport);
      const mapper = createClient(MapperService, transport);
      const registry = createClient(RegistryService, transport);
      const drain = async (stream: AsyncIterable<unknown>): Promise<void> => {
        for await (const _ of stream) void _;
      };
      expect(await rejectionOf(faults.setFaults({}))).toMatchObject({ code: 'Unimplemented' });
      expect(await rejectionOf(drain(mapper.streamPartition({})))).toMatchObject({ code: 'Unimplemented' });
      expect(await rejectionOf(drain(registry.registerWorker((async function* () {})())))).toMatchObject({ code: 'Unimplemented' });
      // And 404 for a Connect call over HTTP/1.1.
      const reply = await curl(`${cluster.gatewayUrl}/weft.cluster.v1.FaultService/SetFaults`, ['-H', 'content-type: application/json', '--data-binary', '{}']);
      expect(reply.status).toBe('404');
    }));
});
