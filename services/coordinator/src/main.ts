import { loadConfigOrExit, runService } from '@weft/rpc';
import { RecentTraces, createLogger, startTelemetry } from '@weft/telemetry';
import { loadConfig } from './config.js';
import { startCoordinator } from './coordinator.js';
import { jobIdAttribute } from './job-trace.js';

const config = loadConfigOrExit('coordinator', () => loadConfig(process.env));
const log = createLogger({ service: 'coordinator', level: config.logLevel });
// Each job's spans stay readable through GetJobTrace, whether or not they are exported.
const traces = config.traceRetention > 0 ? new RecentTraces({ keyAttribute: jobIdAttribute, maxTraces: config.traceRetention }) : undefined;
const telemetry = await loadConfigOrExit('coordinator', () => startTelemetry({ service: 'coordinator', env: process.env, metricsPort: config.metricsPort, metricsHost: config.host, spanProcessors: traces ? [traces] : [] }));
await runService({ log, telemetry, start: () => startCoordinator(config, log, traces) });
