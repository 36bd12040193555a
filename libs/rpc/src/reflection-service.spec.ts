import { fromBinary } from '@bufbuild/protobuf';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import { createClient, createRouterTransport } from '@connectrpc/connect';
import { Health, JobService } from '@weft/proto';
import { RegistryService } from '@weft/proto/cluster';
import type { ServerReflectionResponse } from '@weft/proto/reflection';
import { ServerReflection, ServerReflectionV1alpha } from '@weft/proto/reflection';
import { HealthRegistry } from './health-service.js';
import { registerReflection } from './reflection-service.js';

const transport = createRouterTransport((router) => {
  registerReflection(router); // before the others on purpose: the list is read per call
  router.service(Health, new HealthRegistry().impl());
  router.service(JobService, {});
});

async function ask(...requests: MessageInitShape<typeof ServerReflection.method.serverReflectionInfo.input>[]): Promise<ServerReflectionResponse[]> {
  const client = createClient(ServerReflection, transport);
  const out: ServerReflectionResponse[] = [];
  async function* send(): AsyncGenerator<MessageInitShape<typeof ServerReflection.method.serverReflectionInfo.input>> {
    yield* requests;
  }
  for await (const res of client.serverReflectionInfo(send())) out.push(res);
  return out;
}

function fileNames(res: ServerReflectionResponse): string[] {
  if (res.messageResponse.case !== 'fileDescriptorResponse') throw new Error(`got ${res.messageResponse.case}`);
  return res.messageResponse.value.fileDescriptorProto.map((b) => fromBinary(FileDescriptorProtoSchema, b).name);
}

describe('registerReflection', () => {
  it('lists exactly the services registered on the router, itself included', async () => {
    const [res] = await ask({ host: 'gw', messageRequest: { case: 'listServices', value: '' } });
    expect(res?.validHost).toBe('gw');
    expect(res?.messageResponse.case).toBe('listServicesResponse');
    const names = res?.messageResponse.case === 'listServicesResponse' ? res.messageResponse.value.service.map((s) => s.name) : [];
    expect(names).toEqual([
      'grpc.health.v1.Health',
      'grpc.reflection.v1.ServerReflection',
      'grpc.reflection.v1alpha.ServerReflection',
      'weft.v1.JobService',
    ]);
  });

  it('answers file_containing_symbol for a service and a method with the file and its imports', async () => {
    const [bySvc, byMethod] = await ask(
      { messageRequest: { case: 'fileContainingSymbol', value: 'weft.v1.JobService' } },
      { messageRequest: { case: 'fileContainingSymbol', value: 'weft.v1.JobService.SubmitJob' } },
    );
    const names = fileNames(bySvc!);
    expect(names[0]).toBe('weft/v1/job.proto');
    expect(names).toContain('google/protobuf/timestamp.proto');
    expect(new Set(names).size).toBe(names.length);
    expect(fileNames(byMethod!)[0]).toBe('weft/v1/job.proto');
    if (bySvc?.messageResponse.case !== 'fileDescriptorResponse') throw new Error('unreachable');
    const file = fromBinary(FileDescriptorProtoSchema, bySvc.messageResponse.value.fileDescriptorProto[0]!);
    const service = file.service.find((s) => s.name === 'JobService');
    expect(service?.method.find((m) => m.name === 'SubmitJob')?.inputType).toBe('.weft.v1.SubmitJobRequest');
    expect(file.dependency).toContain('google/protobuf/timestamp.proto');
  });

  it('answers file_by_filename, and message types by symbol', async () => {
    const [byName, byType] = await ask(
      { messageRequest: { case: 'fileByFilename', value: 'grpc/health/v1/health.proto' } },
      { messageRequest: { case: 'fileContainingSymbol', value: 'weft.v1.SubmitJobRequest' } },
    );
    expect(fileNames(byName!)).toEqual(['grpc/health/v1/health.proto']);
    expect(fileNames(byType!)[0]).toBe('weft/v1/job.proto');
  });

  it('answers NOT_FOUND (gRPC code 5) for unknown and unregistered symbols, on the same stream', async () => {
    const responses = await ask(
      { messageRequest: { case: 'fileContainingSymbol', value: RegistryService.typeName } },
      { messageRequest: { case: 'fileByFilename', value: 'weft/cluster/v1/registry.proto' } },
      { messageRequest: { case: 'fileContainingSymbol', value: 'weft.v1.Nope' } },
    );
    expect(responses.map((r) => r.messageResponse.case === 'errorResponse' && r.messageResponse.value)).toEqual([
      { $typeName: 'grpc.reflection.v1.ErrorResponse', errorCode: 5, errorMessage: `symbol "${RegistryService.typeName}" not found` },
      { $typeName: 'grpc.reflection.v1.ErrorResponse', errorCode: 5, errorMessage: 'file "weft/cluster/v1/registry.proto" not found' },
      { $typeName: 'grpc.reflection.v1.ErrorResponse', errorCode: 5, errorMessage: 'symbol "weft.v1.Nope" not found' },
    ]);
  });

  it('serves v1alpha with the same answers', async () => {
    const client = createClient(ServerReflectionV1alpha, transport);
    async function* send(): AsyncGenerator<MessageInitShape<typeof ServerReflectionV1alpha.method.serverReflectionInfo.input>> {
      yield { messageRequest: { case: 'fileContainingSymbol', value: 'grpc.health.v1.Health' } };
    }
    const out = [];
    for await (const res of client.serverReflectionInfo(send())) out.push(res);
    expect(out).toHaveLength(1);
    expect(out[0]?.$typeName).toBe('grpc.reflection.v1alpha.ServerReflectionResponse');
    expect(out[0]?.originalRequest?.messageRequest).toEqual({ case: 'fileContainingSymbol', value: 'grpc.health.v1.Health' });
    expect(out[0]?.messageResponse.case).toBe('fileDescriptorResponse');
  });
});
