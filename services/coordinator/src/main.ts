import { loadConfigOrExit, runService } from '@weft/rpc';
import { createLogger, startTelemetry } from '@weft/telemetry';
import { loadConfig } from './config.js';
import { startCoordinator } from './coordinator.js';

const config = loadConfigOrExit('coordinator', () => loadConfig(process.env));
const log = createLogger({ service: 'coordinator', level: config.logLevel });
const telemetry = await loadConfigOrExit('coordinator', () => startTelemetry({ service: 'coordinator', env: process.env, metricsPort: config.metricsPort, metricsHost: config.host }));
await runService({ log, telemetry, start: () => startCoordinator(config, log) });
