import { tmpdir } from 'node:os';
import path from 'node:path';
import { createAllowedFetch, FunctionRegistry } from '@weft/jobs';
import { TaskPool } from '@weft/pool';
import { NodeRole } from '@weft/proto';
import { MapperService } from '@weft/proto/cluster';
import { spillDirName, sweepStaleSpillDirs } from '@weft/records';
import { loadConfigOrExit, runService, startWorkerNode } from '@weft/rpc';
import { createLogger, observePool, startTelemetry } from '@weft/telemetry';
import { loadConfig } from './config.js';
import { MapOutputStore } from './map-output-store.js';
import { createMapperService, type MapperStats } from './mapper-service.js';
import { createScatterItemsHandler, ScatterStats } from './scatter-items-service.js';
import { Semaphore } from './semaphore.js';

const config = loadConfigOrExit('mapper', () => loadConfig(process.env));
const log = createLogger({ service: 'mapper', level: config.logLevel });
const telemetry = await loadConfigOrExit('mapper', () => startTelemetry({ service: 'mapper', env: process.env, metricsPort: config.metricsPort, metricsHost: config.host }));

await runService({
  log,
  telemetry,
  start: async () => {
    const pool = new TaskPool({ maxThreads: config.poolMaxThreads, functionModules: config.functionModules });
    observePool(() => ({ busy: pool.busy, queued: pool.queued, threads: config.poolMaxThreads }));
    // The default spill dir is per process; dirs that SIGKILLed mappers left in tmp are swept first.
    if (!config.spillDir) for (const dir of sweepStaleSpillDirs(tmpdir(), 'mapper')) log.info({ dir }, 'removed the spill dir of a mapper that is gone');
    const outputs = new MapOutputStore({ memoryBudgetBytes: config.outputMemoryBytes, spillDir: config.spillDir || path.join(tmpdir(), spillDirName('mapper', config.nodeId)) });
    const stats: MapperStats = { tasksCompleted: 0 };
    // `io` scatter functions run on this thread, so the main thread loads the function modules too.
    const functions = FunctionRegistry.withBuiltins();
    await functions.loadModules(config.functionModules);
    const scatterStats = new ScatterStats();
    const fetchAllowed = createAllowedFetch(config.urlAllowedHosts);
    const runScatterItems = createScatterItemsHandler({ pool, functions, ioSlots: new Semaphore(config.scatterIoConcurrency), fetch: fetchAllowed, stats: scatterStats, log });
    return startWorkerNode(NodeRole.MAPPER, 'mapper', { ...config, slots: config.poolMaxThreads }, log, {
      serve: (server) => server.add(MapperService, { ...createMapperService(pool, outputs, stats, log, { fetch: fetchAllowed, maxBytes: config.urlMaxBytes }), runScatterItems }),
      load: () => ({ busySlots: pool.busy, queued: pool.queued, tasksCompleted: BigInt(stats.tasksCompleted),
        scatterItemsInFlight: scatterStats.inFlight, scatterItemsPeak: scatterStats.peak, scatterItemsCompleted: BigInt(scatterStats.completed) }),
      onCommand: (command) => {
        if (command.kind.case === 'dropJob') void outputs.dropJob(command.kind.value.jobId);
      },
      close: async () => {
        await pool.close();
        outputs.close();
      },
    });
  },
});
