import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TaskPool } from '@weft/pool';
import { NodeRole } from '@weft/proto';
import { ReducerService } from '@weft/proto/cluster';
import { spillDirName, sweepStaleSpillDirs } from '@weft/records';
import { loadConfigOrExit, runService, startWorkerNode } from '@weft/rpc';
import { createLogger, observePool, startTelemetry } from '@weft/telemetry';
import { loadConfig } from './config.js';
import { PartitionStreams } from './partition-streams.js';
import { createReducerService, type ReducerStats } from './reducer-service.js';

const config = loadConfigOrExit('reducer', () => loadConfig(process.env));
const log = createLogger({ service: 'reducer', level: config.logLevel });
const telemetry = await loadConfigOrExit('reducer', () => startTelemetry({ service: 'reducer', env: process.env, metricsPort: config.metricsPort, metricsHost: config.host }));

await runService({
  log,
  telemetry,
  start: async () => {
    const pool = new TaskPool({ maxThreads: config.poolMaxThreads, functionModules: config.functionModules });
    observePool(() => ({ busy: pool.busy, queued: pool.queued, threads: config.poolMaxThreads }));
    const stats: ReducerStats = { tasksCompleted: 0 };
    // The default spill dir is per process; dirs that SIGKILLed reducers left in tmp are swept first.
    if (!config.spillDir) for (const dir of sweepStaleSpillDirs(tmpdir(), 'reducer')) log.info({ dir }, 'removed the spill dir of a reducer that is gone');
    const spillDir = config.spillDir || path.join(tmpdir(), spillDirName('reducer', config.nodeId));
    rmSync(spillDir, { recursive: true, force: true });
    mkdirSync(spillDir, { recursive: true });
    // Shuffle fetches from h2c mappers read the gRPC responses themselves (far less CPU than Connect's
    // client); with internal TLS they go through the Connect client, which holds the certificates.
    const partitionStreams = config.tls ? undefined : new PartitionStreams();
    return startWorkerNode(NodeRole.REDUCER, 'reducer', { ...config, slots: config.poolMaxThreads }, log, {
      serve: (server, clients) => server.add(ReducerService, createReducerService(pool, clients, { ...config, spillDir, partitionStreams }, stats, log)),
      load: () => ({ busySlots: pool.busy, queued: pool.queued, tasksCompleted: BigInt(stats.tasksCompleted) }),
      close: async () => {
        partitionStreams?.close();
        await pool.close();
        rmSync(spillDir, { recursive: true, force: true });
      },
    });
  },
});
