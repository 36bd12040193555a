import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { FunctionRegistry } from '@weft/jobs';
import { ClusterService, Health, JobService, ScatterGatherService } from '@weft/proto';
import { RegistryService } from '@weft/proto/cluster';
import { GrpcServer, HealthRegistry, createClientFactory, type RunningService } from '@weft/rpc';
import type { Logger, RecentTraces } from '@weft/telemetry';
import { createClusterService } from './cluster-service.js';
import type { CoordinatorConfig } from './config.js';
import { JobManager } from './job-manager.js';
import { uploadJobCreated, withJobAccess } from './job-access.js';
import { JobOwners } from './job-owners.js';
import { createJobService } from './job-service.js';
import { JobStore } from './job-store.js';
import type { InputPolicy } from './input-policy.js';
import { createScatterService } from './scatter-service.js';
import { UploadStore } from './upload-store.js';
import { NodePolicies } from './node-policies.js';
import { observeBreakers } from './policy-metrics.js';
import { SlotScheduler } from './slot-scheduler.js';
import { WorkerRegistry } from './worker-registry.js';

/** Weft's version, reported in DescribeCluster. */
export const version = '0.1.0';

/**
 * Wires the coordinator: journal, worker registry, scheduler, job manager, and one grpc-js server
 * carrying the internal RegistryService plus the public JobService/ClusterService the gateway
 * relays to. Unfinished jobs from the journal start again before the server accepts calls.
 * `traces` is the span processor keeping recent jobs' spans (GetJobTrace answers from it).
 */
export async function startCoordinator(config: CoordinatorConfig, log: Logger, traces?: RecentTraces): Promise<RunningService> {
  const id = `coordinator-${randomBytes(3).toString('hex')}`;
  const store = new JobStore(config.dataDir, { onCheckpointFailure: (error) => log.warn({ err: error }, 'journal checkpoints run inside commits again') });
  const owners = new JobOwners(config.dataDir);
  const functions = FunctionRegistry.withBuiltins();
  // User modules are loaded here too: the coordinator validates every request against them.
  await functions.loadModules(config.functionModules);
  const uploadDir = path.join(config.dataDir, 'uploads');
  // The coordinator's own upload dir is always readable; it holds only what UploadJob wrote.
  const inputPolicy: InputPolicy = { roots: config.inputRoots, internalRoots: [uploadDir], urlHosts: config.urlAllowedHosts };
  const registry = new WorkerRegistry({ heartbeatIntervalMs: config.heartbeatIntervalMs, nodeTimeoutMs: config.nodeTimeoutMs, coordinatorId: id, log });
  const clients = createClientFactory({ tls: config.tls, onTlsError: (error) => log.error({ err: error }, 'TLS files could not be re-read; the previous ones stay in use') });
  const policies = new NodePolicies(registry, clients, config.policies, log);
  // Map and reduce attempts share each node's bulkhead with scatter batches: one goes only where a slot is free.
  const scheduler = new SlotScheduler(registry, (node) => policies.isUsable(node) && policies.freeSlots(node) > 0);
  // A breaker that closes again, or a bulkhead slot given back, frees capacity the scheduler and scatter calls may use at once.
  policies.on('changed', () => registry.emit('changed'));
  policies.on('freed', () => registry.emit('changed'));
  observeBreakers(registry, policies);
  registry.on('lost', (node) => clients.forget(node.address));
  const jobs = new JobManager({
    store, registry, scheduler, clients, functions, log,
    split: config.split, maxAttempts: config.maxAttempts, taskTimeoutMs: config.taskTimeoutMs, maxRunningJobs: config.maxRunningJobs,
    policies, speculation: config.speculation, sharedFiles: config.sharedFiles, inputPolicy,
  });
  // Before the journal's unfinished jobs run again: it fails those whose upload a stop cut off.
  // An upload's ranges are as big as the planner's largest split (see upload-store.ts).
  const uploads = new UploadStore(uploadDir, { jobs, store, functions, policy: inputPolicy, log, splitBytes: config.split.maxBytes });
  const recovered = jobs.recover();
  if (recovered > 0) log.info({ jobs: recovered }, 're-running unfinished jobs from the journal');

  const health = new HealthRegistry();
  // Silence drops a worker's streams no sooner than the node timeout declares it lost (see keepaliveTimeoutMs).
  const server = new GrpcServer({ host: config.host, port: config.port, log, tls: config.tls, keepaliveTimeoutMs: Math.max(5_000, config.nodeTimeoutMs) })
    .add(Health, health.impl())
    .add(RegistryService, registry.impl())
    .add(JobService, withJobAccess({ ...createJobService(jobs, store, traces), uploadJob: (requests, ctx) => uploads.receive(requests, { onJobCreated: ctx.values.get(uploadJobCreated) }) }, jobs, owners))
    .add(ScatterGatherService, createScatterService({ registry, functions, clients, log, policies }));
  const startedMs = Date.now();
  let address = '';
  server.add(ClusterService, createClusterService({ registry, functions, breakerOf: (node) => policies.breakerState(node), rejectionsOf: (node) => policies.rejections(node), self: { id, get address() { return address; }, startedMs, version } }));
  const port = await server.listen();
  address = `${config.tls ? 'https' : 'http'}://${config.host}:${port}`;
  // Probes that cannot speak TLS get health, and nothing else, in cleartext on a port of their own.
  const healthServer = config.healthPort >= 0 ? new GrpcServer({ host: config.host, port: config.healthPort, log }).add(Health, health.impl()) : undefined;
  if (healthServer) log.info({ healthPort: await healthServer.listen() }, 'cleartext health port');
  log.setBindings({ nodeId: id });

  return {
    address,
    async stop() {
      health.setAllNotServing();
      await jobs.close();
      await server.close();
      await healthServer?.close(0);
      registry.close();
      uploads.close();
      policies.close();
      clients.close();
      owners.close();
      store.close();
    },
  };
}
