import { Code } from '@connectrpc/connect';
import { Health, JobService } from '@weft/proto';
import { FaultService } from '@weft/proto/cluster';
import { createLogger } from '@weft/telemetry';
import { createClientFactory } from './client-factory.js';
import { FaultInjector } from './fault-injector.js';
import { GrpcServer } from './grpc-server.js';
import { HealthRegistry } from './health-service.js';

const log = createLogger({ service: 'test', level: 'silent' });

describe('FaultInjector on a GrpcServer', () => {
  it('fails and delays the chosen methods, spares health, and is changed at run time by FaultService', async () => {
    const faults = new FaultInjector({ latencyMs: 0, errorRate: 1, methods: ['GetJob'] });
    const server = new GrpcServer({ log, beforeCall: faults.beforeCall })
      .add(Health, new HealthRegistry().impl())
      .add(FaultService, faults.impl())
      .add(JobService, { getJob: (request) => ({ job: { id: request.jobId } }), listJobs: () => ({ jobs: [] }) });
    const port = await server.listen();
    const clients = createClientFactory();
    const url = `http://127.0.0.1:${port}`;
    try {
      const jobs = clients.client(JobService, url);
      await expect(jobs.getJob({ jobId: 'j' })).rejects.toMatchObject({ code: Code.Unavailable, rawMessage: 'injected fault in GetJob' });
      expect((await jobs.listJobs({})).jobs).toEqual([]);
      await clients.client(Health, url).check({ service: '' });

      const answer = await clients.client(FaultService, url).setFaults({ faults: { latencyMs: 300, errorRate: 0 } });
      expect(answer.faults).toMatchObject({ latencyMs: 300, errorRate: 0, methods: [] });
      const started = Date.now();
      expect((await jobs.getJob({ jobId: 'k' })).job?.id).toBe('k');
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    } finally {
      clients.close();
      await server.close();
    }
  });
});
