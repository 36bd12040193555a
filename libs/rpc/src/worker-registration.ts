import { setTimeout as sleep } from 'node:timers/promises';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { RegistryService, type HeartbeatSchema, type RegisterWorkerRequestSchema, type RegisterWorkerResponse, type WorkerHelloSchema } from '@weft/proto/cluster';
import type { Logger } from '@weft/telemetry';
import type { ClientFactory } from './client-factory.js';

/** Options of {@link startWorkerRegistration}. */
export interface WorkerRegistrationOptions {
  /** The factory the registration stream's client comes from. */
  readonly clients: ClientFactory;
  /** Coordinator base URL. */
  readonly coordinatorUrl: string;
  /** Who this worker is. */
  readonly hello: MessageInitShape<typeof WorkerHelloSchema>;
  /** Current load, sampled for every heartbeat. */
  readonly load: () => MessageInitShape<typeof HeartbeatSchema>;
  /** Commands the coordinator sends (drop a job's outputs, ...). */
  readonly onCommand: (command: RegisterWorkerResponse) => void;
  /** Logger. */
  readonly log: Logger;
}

/** A running registration. */
export interface WorkerRegistration {
  /** Ends the stream (the coordinator then forgets the worker) and stops reconnecting. */
  stop(): Promise<void>;
}

/**
 * Keeps a worker registered with the coordinator: opens the RegisterWorker stream, sends hello and
 * then a heartbeat every interval the coordinator asks for, and reconnects with capped exponential
 * backoff whenever the stream breaks (the coordinator restarted, or the network blinked). The
 * coordinator treats the stream itself as the worker's lease.
 */
export function startWorkerRegistration(options: WorkerRegistrationOptions): WorkerRegistration {
  const { log } = options;
  const stopping = new AbortController();
  const client = options.clients.client(RegistryService, options.coordinatorUrl);
  let intervalMs = 1_000;

  async function* requests(connection: AbortSignal): AsyncGenerator<MessageInitShape<typeof RegisterWorkerRequestSchema>> {
    yield { kind: { case: 'hello', value: options.hello } };
    while (!connection.aborted) {
      try {
        await sleep(intervalMs, undefined, { signal: connection });
      } catch {
        return;
      }
      yield { kind: { case: 'heartbeat', value: options.load() } };
    }
  }

  const loop = (async () => {
    let backoffMs = 100;
    while (!stopping.signal.aborted) {
      const connection = new AbortController();
      const onStop = (): void => connection.abort();
      stopping.signal.addEventListener('abort', onStop, { once: true });
      try {
        for await (const message of client.registerWorker(requests(connection.signal), { signal: connection.signal })) {
          if (message.kind.case === 'welcome') {
            intervalMs = message.kind.value.heartbeatIntervalMs || intervalMs;
            backoffMs = 100;
            log.info({ coordinatorId: message.kind.value.coordinatorId }, 'registered with coordinator');
          } else {
            options.onCommand(message);
          }
        }
        if (!stopping.signal.aborted) log.warn('coordinator ended the registration stream; reconnecting');
      } catch (error) {
        if (!stopping.signal.aborted) log.warn({ err: error, retryInMs: backoffMs }, 'registration stream failed; reconnecting');
      } finally {
        connection.abort();
        stopping.signal.removeEventListener('abort', onStop);
      }
      if (stopping.signal.aborted) break;
      await sleep(backoffMs + Math.random() * backoffMs, undefined, { signal: stopping.signal }).catch(() => undefined);
      backoffMs = Math.min(backoffMs * 2, 2_000);
    }
  })();

  return {
    async stop() {
      stopping.abort();
      await loop;
    },
  };
}
