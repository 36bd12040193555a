import { loadConfigOrExit, runService } from '@weft/rpc';
import { createLogger } from '@weft/telemetry';
import { loadConfig } from './config.js';
import { startCoordinator } from './coordinator.js';

const config = loadConfigOrExit('coordinator', () => loadConfig(process.env));
const log = createLogger({ service: 'coordinator', level: config.logLevel });
await runService({ log, start: () => startCoordinator(config, log) });
