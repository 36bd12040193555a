import { randomBytes } from 'node:crypto';
import type { NodeRole } from '@weft/proto';
import { FaultService, type RegisterWorkerResponse } from '@weft/proto/cluster';
import { Health } from '@weft/proto';
import type { Logger } from '@weft/telemetry';
import { createClientFactory, type ClientFactory } from './client-factory.js';
import { GrpcServer } from './grpc-server.js';
import { FaultInjector, type FaultSettingsInit } from './fault-injector.js';
import { HealthRegistry } from './health-service.js';
import type { RunningService } from './run-service.js';
import { startWorkerRegistration } from './worker-registration.js';
import type { InternalTlsPaths } from './internal-tls.js';

/** Settings every worker (mapper, reducer) has; each service reads them with its own prefix. */
export interface WorkerNodeSettings {
  /** Interface to bind. */
  readonly host: string;
  /** Port to bind; 0 = OS-chosen. */
  readonly port: number;
  /** URL other nodes use to reach this one; empty = `http://<host>:<bound port>`. */
  readonly advertiseUrl: string;
  /** Coordinator base URL. */
  readonly coordinatorUrl: string;
  /** Node id; empty = `<role>-<random>`. */
  readonly nodeId: string;
  /** Task slots advertised to the coordinator (the pool's thread count). */
  readonly slots: number;
  /** Test-mode fault injection: with `testMode`, FaultService is served and the faults are applied. */
  readonly faults?: FaultSettingsInit & { readonly testMode: boolean };
  /** Mutual TLS between services: serve and call with these files (see {@link GrpcServer}). */
  readonly tls?: InternalTlsPaths;
  /** Cleartext health-only port for probes when TLS is on (-1 or absent = none, 0 = OS-chosen). */
  readonly healthPort?: number;
}

/** What a worker service plugs into {@link startWorkerNode}. */
export interface WorkerNodeParts {
  /** Registers the service's RPCs on the server. */
  readonly serve: (server: GrpcServer, clients: ClientFactory) => void;
  /** Current load for heartbeats (the scatter counters only on mappers). */
  readonly load: () => { busySlots: number; queued: number; tasksCompleted: bigint; scatterItemsInFlight?: number; scatterItemsPeak?: number; scatterItemsCompleted?: bigint };
  /** Coordinator commands (e.g. drop a job's map output). */
  readonly onCommand?: (command: RegisterWorkerResponse) => void;
  /** Releases the service's own resources (its pool) after the server closed. */
  readonly close: () => Promise<void>;
}

/**
 * The life of a worker process, shared by mapper and reducer: serve health and the service's RPCs
 * on a grpc-js server, register with the coordinator and heartbeat, and on stop drain: report
 * draining, stop taking calls, finish what runs (bounded), deregister, release resources.
 */
export async function startWorkerNode(role: NodeRole, roleName: string, settings: WorkerNodeSettings, log: Logger, parts: WorkerNodeParts): Promise<RunningService & { nodeId: string }> {
  const nodeId = settings.nodeId || `${roleName}-${randomBytes(3).toString('hex')}`;
  log.setBindings({ nodeId });
  const clients = createClientFactory({ tls: settings.tls, onTlsError: (error) => log.error({ err: error }, 'TLS files could not be re-read; the previous ones stay in use') });
  const health = new HealthRegistry();
  const faults = settings.faults?.testMode ? new FaultInjector(settings.faults) : undefined;
  const server = new GrpcServer({ host: settings.host, port: settings.port, log, beforeCall: faults?.beforeCall, tls: settings.tls }).add(Health, health.impl());
  if (faults) {
    server.add(FaultService, faults.impl());
    log.warn({ faults: faults.settings }, 'test mode: fault injection enabled');
  }
  parts.serve(server, clients);
  const port = await server.listen();
  // Probes that cannot speak TLS get health, and nothing else, in cleartext on a port of their own.
  const healthServer = settings.healthPort !== undefined && settings.healthPort >= 0 ? new GrpcServer({ host: settings.host, port: settings.healthPort, log }).add(Health, health.impl()) : undefined;
  if (healthServer) log.info({ healthPort: await healthServer.listen() }, 'cleartext health port');
  const advertised = settings.advertiseUrl || `${settings.tls ? 'https' : 'http'}://${settings.host === '0.0.0.0' ? '127.0.0.1' : settings.host}:${port}`;
  let draining = false;
  const registration = startWorkerRegistration({
    clients,
    coordinatorUrl: settings.coordinatorUrl,
    hello: { nodeId, role, address: advertised, slots: settings.slots, version: '0.1.0' },
    load: () => ({ ...parts.load(), rssBytes: BigInt(process.memoryUsage.rss()), draining }),
    onCommand: parts.onCommand ?? (() => undefined),
    log,
  });
  return {
    nodeId,
    address: advertised,
    async stop() {
      draining = true;
      health.setAllNotServing();
      await server.close(5_000);
      await healthServer?.close(0);
      await registration.stop();
      clients.close();
      await parts.close();
    },
  };
}
