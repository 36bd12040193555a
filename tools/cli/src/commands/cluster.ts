import type { Command } from 'commander';
import type { CommandContext } from '../command-context.js';
import { functionJson, nodeJson } from '../format/json-output.js';
import { clusterTable, functionsTable } from '../format/tables.js';
import { clientFor, withGatewayOptions } from '../gateway-options.js';
import type { GatewayOptions } from '../gateway-options.js';
import { writeJson } from '../write-json.js';

type JsonFlag = GatewayOptions & { json?: boolean };

/** `weft cluster`: every node with role, address, slots and health. */
export function registerCluster(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('cluster')
    .description('list the nodes: role, address, slots, load, breaker state')
    .option('--json', 'print one JSON document: {"nodes":[Node]}');
  withGatewayOptions(cmd).addHelpText('after', '\nExamples:\n  $ weft cluster\n  $ weft cluster --gateway http://10.0.0.7:8080 --json');
  cmd.action(async (opts: JsonFlag) => {
    const nodes = await clientFor(opts, ctx.io, ctx).cluster();
    if (opts.json) writeJson(ctx.io, { nodes: nodes.map(nodeJson) });
    else ctx.io.stdout.write(`${clusterTable(nodes)}\n`);
  });
}

/** `weft functions`: the registered jobs and scatter functions. */
export function registerFunctions(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('functions')
    .description('list the registered jobs and scatter functions')
    .option('--json', 'print one JSON document: {"functions":[FunctionInfo]}');
  withGatewayOptions(cmd).addHelpText('after', '\nExamples:\n  $ weft functions\n  $ weft functions --json');
  cmd.action(async (opts: JsonFlag) => {
    const fns = await clientFor(opts, ctx.io, ctx).functions();
    if (opts.json) writeJson(ctx.io, { functions: fns.map(functionJson) });
    else ctx.io.stdout.write(`${functionsTable(fns)}\n`);
  });
}
