import { createContextValues, createHandlerContext } from '@connectrpc/connect';
import type { NodeRole } from '@weft/proto';
import { RegistryService, type RegisterWorkerRequest } from '@weft/proto/cluster';
import { create } from '@bufbuild/protobuf';
import { RegisterWorkerRequestSchema } from '@weft/proto/cluster';
import type { WorkerRegistry } from '../worker-registry.js';

/**
 * Registers a worker with a WorkerRegistry through its real RegisterWorker handler, without a
 * network: the test holds the request stream and can end it (which is how a worker leaves).
 * For unit tests only.
 */
export async function registerFake(registry: WorkerRegistry, hello: { nodeId: string; role: NodeRole; slots: number }): Promise<{ end(): Promise<void> }> {
  let finish!: () => void;
  const ended = new Promise<void>((resolve) => (finish = resolve));
  async function* requests(): AsyncGenerator<RegisterWorkerRequest> {
    yield create(RegisterWorkerRequestSchema, { kind: { case: 'hello', value: { ...hello, address: `http://${hello.nodeId}:1` } } });
    await ended;
  }
  const method = RegistryService.method.registerWorker;
  const ctx = createHandlerContext({ service: RegistryService, method, protocolName: 'test', requestMethod: 'POST', url: '/', contextValues: createContextValues() });
  const responses = registry.impl().registerWorker(requests(), ctx) as AsyncIterable<unknown>;
  const iterator = responses[Symbol.asyncIterator]();
  await iterator.next(); // welcome: the node is registered
  const draining = (async () => {
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      /* commands are not used by these tests */
    }
  })();
  return {
    async end() {
      finish();
      await draining;
    },
  };
}
