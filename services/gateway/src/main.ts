import { loadConfigOrExit, runService } from '@weft/rpc';
import { createLogger } from '@weft/telemetry';
import { loadConfig } from './config.js';
import { startGateway } from './gateway.js';

const config = loadConfigOrExit('gateway', () => loadConfig(process.env));
const log = createLogger({ service: 'gateway', level: config.logLevel });
await runService({ log, start: () => startGateway(config, log) });
