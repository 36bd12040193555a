import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { ClusterService, Health, JobService, NodeRole, NodeState, ScatterGatherService } from '@weft/proto';
import { dashboardAssetsDir } from '@weft/dashboard';
import { HealthRegistry, createClientFactory, registerReflection, startConnectServer, type RunningService } from '@weft/rpc';
import type { Logger } from '@weft/telemetry';
import type { GatewayConfig } from './config.js';
import { Admission } from './admission.js';
import { createEdgeSecurity } from './auth.js';
import { createDashboardAssetsHandler } from './dashboard-assets.js';
import { forwardOptions, relayService } from './relay.js';
import { TlsFiles } from './tls-files.js';
import { Passthrough } from './passthrough.js';

/**
 * Starts the public edge: weft.v1 (JobService, ScatterGatherService, ClusterService) and health,
 * relayed to the coordinator, on one port for Connect, gRPC and gRPC-Web over HTTP/1.1 and h2c.
 * Internal weft.cluster.v1 services are never registered here, so they answer UNIMPLEMENTED.
 */
export async function startGateway(config: GatewayConfig, log: Logger): Promise<RunningService> {
  const id = `gateway-${randomBytes(3).toString('hex')}`;
  log.setBindings({ nodeId: id });
  const startedMs = Date.now();
  const clients = createClientFactory({ tls: config.internalTls, onTlsError: (error) => log.error({ err: error }, 'internal TLS files could not be re-read; the previous ones stay in use') });
  const coordinator = {
    jobs: clients.client(JobService, config.coordinatorUrl),
    scatter: clients.client(ScatterGatherService, config.coordinatorUrl),
    cluster: clients.client(ClusterService, config.coordinatorUrl),
  };
  const health = new HealthRegistry();
  const security = createEdgeSecurity(config, log);
  let tlsFiles: TlsFiles | undefined;
  if (config.tls) {
    tlsFiles = new TlsFiles(
      config.tls,
      (context) => {
        server.setSecureContext?.(context);
        log.info('TLS certificate re-read');
      },
      (error) => log.error({ err: error }, 'TLS certificate could not be re-read; the previous one stays in use'),
    );
  }
  const admission = new Admission(config.admission);
  let address = '';
  const cluster = relayService(ClusterService, coordinator.cluster);
  // The bulk calls over gRPC (UploadJob, ReadResults) pass their frames on undecoded; the rest goes through Connect.
  const passthrough = new Passthrough({
    upstream: () => clients.http2(config.coordinatorUrl),
    authenticate: security.authenticate,
    limits: config.limits,
    admission,
    responseCompression: config.responseCompression,
  });

  const server = await startConnectServer({
    host: config.host,
    port: config.port,
    interceptors: security.interceptors,
    readMaxBytes: config.limits.messageBytes,
    responseCompression: config.responseCompression,
    tls: tlsFiles?.read(),
    takeFirst: (req, res) => {
      if (!passthrough.takes(req)) return false;
      passthrough.handle(req, res);
      return true;
    },
    // The dashboard's static files (not authenticated: they hold no data; the page calls the public
    // API below with the user's token like any client).
    fallback: config.dashboard ? createDashboardAssetsHandler(dashboardAssetsDir) : undefined,
    routes: (router) => {
      router.service(Health, health.impl());
      registerReflection(router); // lists exactly what this router registers: public services, health, itself
      const jobs = relayService(JobService, coordinator.jobs);
      router.service(JobService, {
        ...jobs,
        submitJob: (request, ctx) => admission.run(() => coordinator.jobs.submitJob(request, forwardOptions(ctx)), ctx.signal),
        uploadJob: (requests, ctx) => admission.run(() => coordinator.jobs.uploadJob(requests, forwardOptions(ctx)), ctx.signal),
      });
      router.service(ScatterGatherService, {
        scatter: (request, ctx) => admission.stream(() => coordinator.scatter.scatter(request, forwardOptions(ctx)), ctx.signal),
      });
      router.service(ClusterService, {
        ...cluster,
        async describeCluster(request, ctx) {
          const upstream = await coordinator.cluster.describeCluster(request, forwardOptions(ctx));
          const self = {
            id, role: NodeRole.GATEWAY, address, state: NodeState.ALIVE, version: '0.1.0',
            registeredAt: timestampFromMs(startedMs), lastHeartbeatAt: timestampFromMs(Date.now()), rssBytes: BigInt(process.memoryUsage.rss()),
          };
          return { nodes: [self, ...upstream.nodes] };
        },
      });
    },
  });
  // Probes that cannot speak TLS get health, and nothing else, in cleartext on a port of their own.
  const healthServer = config.healthPort >= 0
    ? await startConnectServer({ host: config.host, port: config.healthPort, routes: (router) => router.service(Health, health.impl()) })
    : undefined;
  if (healthServer) log.info({ healthPort: healthServer.port }, 'cleartext health port');
  if (config.dashboard && !existsSync(join(dashboardAssetsDir, 'index.html'))) log.warn({ dir: dashboardAssetsDir }, 'the dashboard is not built (npm run build): its pages answer 404');
  address = `${config.tls ? 'https' : 'http'}://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${server.port}`;
  return {
    address,
    async stop() {
      health.setAllNotServing();
      await server.close(3_000);
      await healthServer?.close(1_000);
      security.close();
      tlsFiles?.close();
      clients.close();
    },
  };
}
