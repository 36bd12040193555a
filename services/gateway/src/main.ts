import { loadConfigOrExit, runService } from '@weft/rpc';
import { createLogger, startTelemetry } from '@weft/telemetry';
import { loadConfig } from './config.js';
import { startGateway } from './gateway.js';

const config = loadConfigOrExit('gateway', () => loadConfig(process.env));
const log = createLogger({ service: 'gateway', level: config.logLevel });
const telemetry = await loadConfigOrExit('gateway', () => startTelemetry({ service: 'gateway', env: process.env, metricsPort: config.metricsPort, metricsHost: config.host }));
await runService({ log, telemetry, start: () => startGateway(config, log) });
