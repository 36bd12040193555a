import { join } from 'node:path';
import type { Command } from 'commander';
import { findWorkspaceRoot } from '@weft/launcher';
import type { CommandContext } from '../command-context.js';
import { clusterTable } from '../format/tables.js';
import { parseCount } from '../parse-args.js';
import { startReadyCluster } from '../start-ready-cluster.js';
import { defaultTracesPort, startLocalTraces } from '../local-traces.js';

interface DevOptions {
  readonly mappers: string;
  readonly reducers: string;
  readonly port: string;
  readonly threads?: string;
  readonly logDir?: string;
  readonly tracesPort: string;
}

/** `weft dev`: runs a local cluster in the foreground until Ctrl-C or SIGTERM. */
export function registerDev(program: Command, ctx: CommandContext): void {
  program
    .command('dev')
    .description('run a local cluster in the foreground, each service its own process')
    .option('--mappers <n>', 'mapper processes', '2')
    .option('--reducers <n>', 'reducer processes', '1')
    .option('--port <port>', 'gateway port (0: any free port)', '8080')
    .option('--threads <n>', 'worker threads per mapper and reducer (default: the services’ own)')
    .option('--log-dir <dir>', 'where each node writes <name>.log (default: <repo>/.weft/logs/dev-<time>)')
    .option('--traces-port <port>', 'port of the span receiver weft trace reads (0: any free port)', String(defaultTracesPort))
    .addHelpText(
      'after',
      `
Prints "gateway: http://127.0.0.1:PORT" once the cluster accepts calls (the web dashboard is at that
URL too); Ctrl-C stops every process.
Every service exports its spans to a receiver here ("traces: URL"; read them with weft trace JOB_ID);
with OTEL_EXPORTER_OTLP_ENDPOINT set they are also forwarded to that collector (OTLP over HTTP).

Examples:
  $ weft dev
  $ weft dev --mappers 4 --reducers 2 --port 9090
  $ weft dev --port 0    # any free port; read it from the "gateway:" line`,
    )
    .action(async (opts: DevOptions) => {
      const { io } = ctx;
      const mappers = parseCount('--mappers', opts.mappers, 1);
      const reducers = parseCount('--reducers', opts.reducers, 1);
      const gatewayPort = parseCount('--port', opts.port);
      const threadsPerNode = opts.threads === undefined ? undefined : parseCount('--threads', opts.threads, 1);
      const tracesPort = parseCount('--traces-port', opts.tracesPort);
      const logDir = opts.logDir ?? join(findWorkspaceRoot(), '.weft', 'logs', `dev-${new Date().toISOString().replace(/[:.]/g, '-')}`);
      // Listen from the start: a Ctrl-C during start-up then stops the cluster gracefully once up.
      const interrupted = io.interrupted;
      io.stderr.write(`starting ${mappers} mappers and ${reducers} reducers...\n`);
      const traces = await startLocalTraces(io.env, tracesPort);
      const { cluster, client } = await startReadyCluster({ mappers, reducers, gatewayPort, threadsPerNode, logDir, env: traces.env }).catch(async (err: unknown) => {
        await traces.receiver.close();
        throw err;
      });
      let stopping = false;
      for (const node of cluster.nodes) {
        void node.exited.then((info) => {
          if (!stopping) io.stderr.write(`${node.name} exited (${info.signal ?? `code ${info.code}`}); see ${node.logFile}\n`);
        });
      }
      io.stdout.write(`gateway: ${cluster.gatewayUrl}\n`);
      io.stdout.write(`dashboard: ${cluster.gatewayUrl}/ (open it in a browser)\n`);
      if (!io.env.GATEWAY_TOKENS_FILE) io.stderr.write('development mode: the gateway serves every call WITHOUT authentication (set GATEWAY_TOKENS_FILE to require tokens)\n');
      io.stdout.write(`logs: ${cluster.logDir}\n`);
      io.stdout.write(`traces: ${traces.receiver.url}${traces.forwardedTo ? ` (also forwarded to ${traces.forwardedTo})` : ''}\n`);
      io.stdout.write(`${clusterTable(await client.cluster())}\n`);
      io.stderr.write('press Ctrl-C to stop\n');
      const signal = await interrupted;
      stopping = true;
      io.stderr.write(`${signal}: stopping every process...\n`);
      await cluster.stop();
      await traces.receiver.close();
      io.stderr.write('stopped\n');
    });
}
