import { createContextValues, createHandlerContext } from '@connectrpc/connect';
import type { NodeRole } from '@weft/proto';
import { RegistryService, type RegisterWorkerRequest } from '@weft/proto/cluster';
import { create } from '@bufbuild/protobuf';
import { RegisterWorkerRequestSchema } from '@weft/proto/cluster';
import { BatchQueue } from '@weft/rpc';
import type { WorkerRegistry } from '../worker-registry.js';

/** A worker registered through {@link registerFake}. */
export interface FakeWorker {
  /** Sends a heartbeat on its registration stream. */
  heartbeat(): void;
  /** Ends its registration stream (how a worker leaves) and waits until the coordinator's side is done. */
  end(): Promise<void>;
  /** Resolves when the coordinator ended the stream from its side (it declared the worker lost). */
  readonly ended: Promise<void>;
}

/**
 * Registers a worker with a WorkerRegistry through its real RegisterWorker handler, without a
 * network: the test holds the request stream, can send heartbeats on it and end it.
 * For unit tests only.
 */
export async function registerFake(registry: WorkerRegistry, hello: { nodeId: string; role: NodeRole; slots: number }): Promise<FakeWorker> {
  const outgoing = new BatchQueue<RegisterWorkerRequest>();
  async function* requests(): AsyncGenerator<RegisterWorkerRequest> {
    yield create(RegisterWorkerRequestSchema, { kind: { case: 'hello', value: { ...hello, address: `http://${hello.nodeId}:1` } } });
    for await (const batch of outgoing.batches()) yield* batch;
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
    heartbeat() {
      outgoing.push(create(RegisterWorkerRequestSchema, { kind: { case: 'heartbeat', value: {} } }));
    },
    async end() {
      outgoing.close();
      await draining;
    },
    ended: draining,
  };
}
