import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import type { DescFile, DescMessage, DescService } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import type { ConnectRouter } from '@connectrpc/connect';
import { Code } from '@connectrpc/connect';
import type { ServerReflectionRequest, ServerReflectionResponse } from '@weft/proto/reflection';
import { ServerReflection, ServerReflectionResponseSchema, ServerReflectionV1alpha } from '@weft/proto/reflection';

/**
 * Registers gRPC server reflection (`grpc.reflection.v1.ServerReflection`, and v1alpha for older
 * grpcurl) on `router`, so grpcurl, `buf curl`, Postman and friends can list and call its services.
 * It describes exactly the services registered on the same router, read when a client asks (so the
 * order of registration does not matter): a server that never registers an internal service never
 * reveals it. Files are protobuf-es's embedded descriptors, sent with their transitive imports.
 */
export function registerReflection(router: ConnectRouter): void {
  const index = (): ReflectionIndex => new ReflectionIndex(router.handlers.map((h) => h.service));
  router.service(ServerReflection, {
    serverReflectionInfo: (requests) => answerEach(requests, index),
  });
  // v1alpha has the same wire format: translate through bytes so one implementation serves both.
  const { input, output } = ServerReflectionV1alpha.method.serverReflectionInfo;
  router.service(ServerReflectionV1alpha, {
    async *serverReflectionInfo(requests) {
      async function* asV1(): AsyncGenerator<ServerReflectionRequest> {
        for await (const request of requests) yield fromBinary(ServerReflection.method.serverReflectionInfo.input, toBinary(input, request));
      }
      for await (const response of answerEach(asV1(), index)) yield fromBinary(output, toBinary(ServerReflectionResponseSchema, response));
    },
  });
}

async function* answerEach(requests: AsyncIterable<ServerReflectionRequest>, index: () => ReflectionIndex): AsyncGenerator<ServerReflectionResponse> {
  const known = index();
  for await (const request of requests) yield known.answer(request);
}

/** The services of one router, their files with every import, and each symbol's file. */
class ReflectionIndex {
  private readonly services: string[];
  private readonly files = new Map<string, DescFile>();
  private readonly symbols = new Map<string, DescFile>();

  constructor(services: DescService[]) {
    this.services = [...new Set(services.map((s) => s.typeName))].sort();
    for (const service of services) this.addFile(service.file);
  }

  answer(request: ServerReflectionRequest): ServerReflectionResponse {
    const base = { validHost: request.host, originalRequest: request };
    const error = (code: Code, message: string): ServerReflectionResponse =>
      create(ServerReflectionResponseSchema, { ...base, messageResponse: { case: 'errorResponse', value: { errorCode: code, errorMessage: message } } });
    const files = (file: DescFile | undefined, what: string): ServerReflectionResponse =>
      file
        ? create(ServerReflectionResponseSchema, { ...base, messageResponse: { case: 'fileDescriptorResponse', value: { fileDescriptorProto: this.withImports(file) } } })
        : error(Code.NotFound, `${what} not found`);
    const req = request.messageRequest;
    switch (req.case) {
      case 'listServices':
        return create(ServerReflectionResponseSchema, {
          ...base,
          messageResponse: { case: 'listServicesResponse', value: { service: this.services.map((name) => ({ name })) } },
        });
      case 'fileByFilename':
        return files(this.files.get(req.value), `file "${req.value}"`);
      case 'fileContainingSymbol':
        // A method is named <package>.<Service>.<Method>: fall back to its service's file.
        return files(this.symbols.get(req.value) ?? this.symbols.get(req.value.replace(/\.[^.]*$/, '')), `symbol "${req.value}"`);
      case 'fileContainingExtension':
        return error(Code.NotFound, `extension ${req.value.containingType}#${req.value.extensionNumber} not found`);
      case 'allExtensionNumbersOfType':
        // Weft's API declares no extensions; a known message type simply has none.
        return this.symbols.has(req.value)
          ? create(ServerReflectionResponseSchema, { ...base, messageResponse: { case: 'allExtensionNumbersResponse', value: { baseTypeName: req.value } } })
          : error(Code.NotFound, `type "${req.value}" not found`);
      default:
        return error(Code.InvalidArgument, 'empty reflection request');
    }
  }

  /** `file` then everything it imports, transitively, each once, as serialized FileDescriptorProtos. */
  private withImports(file: DescFile): Uint8Array[] {
    const seen = new Set<string>();
    const out: Uint8Array[] = [];
    const visit = (f: DescFile): void => {
      if (seen.has(f.proto.name)) return;
      seen.add(f.proto.name);
      out.push(toBinary(FileDescriptorProtoSchema, f.proto));
      f.dependencies.forEach(visit);
    };
    visit(file);
    return out;
  }

  private addFile(file: DescFile): void {
    if (this.files.has(file.proto.name)) return;
    this.files.set(file.proto.name, file);
    const addMessage = (m: DescMessage): void => {
      this.symbols.set(m.typeName, file);
      m.nestedMessages.forEach(addMessage);
      for (const e of m.nestedEnums) this.symbols.set(e.typeName, file);
      for (const x of m.nestedExtensions) this.symbols.set(x.typeName, file);
    };
    file.messages.forEach(addMessage);
    for (const e of file.enums) this.symbols.set(e.typeName, file);
    for (const x of file.extensions) this.symbols.set(x.typeName, file);
    for (const s of file.services) this.symbols.set(s.typeName, file);
    file.dependencies.forEach((d) => this.addFile(d));
  }
}
