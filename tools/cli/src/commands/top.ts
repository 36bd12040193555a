import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import Table from 'cli-table3';
import { BreakerState, NodeRole, NodeState } from '@weft/client';
import type { Node } from '@weft/client';
import type { CommandContext } from '../command-context.js';
import { enumName } from '../format/tables.js';
import { formatBytes } from '../format/units.js';
import { clientFor, withGatewayOptions } from '../gateway-options.js';
import type { GatewayOptions } from '../gateway-options.js';
import { parseCount } from '../parse-args.js';

interface TopOptions extends GatewayOptions {
  readonly interval: string;
  readonly iterations?: string;
}

// Home the cursor and clear the screen, so each refresh replaces the last one on a terminal.
const clearScreen = '\x1b[H\x1b[2J';

/** `weft top`: a live view of the nodes, refreshed every --interval ms until Ctrl-C. */
export function registerTop(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('top')
    .description('live view of the nodes: slots busy, queue depth, scatter items, breaker state, bulkhead refusals, throughput')
    .option('--interval <ms>', 'refresh period', '1000')
    .option('--iterations <n>', 'stop after this many refreshes (default: until Ctrl-C)');
  withGatewayOptions(cmd).addHelpText('after', '\nExamples:\n  $ weft top\n  $ weft top --interval 500 --iterations 10 > samples.txt');
  cmd.action(async (opts: TopOptions) => {
    const { io } = ctx;
    const intervalMs = parseCount('--interval', opts.interval, 100);
    const iterations = opts.iterations === undefined ? Infinity : parseCount('--iterations', opts.iterations, 1);
    const client = clientFor(opts, io, ctx);
    let previous = new Map<string, bigint>();
    let previousAt = 0;
    for (let i = 0; i < iterations; i++) {
      if (i > 0) await sleep(intervalMs);
      const nodes = await client.cluster();
      const now = Date.now();
      const frame = topFrame(nodes, previous, i === 0 ? undefined : now - previousAt, new Date(now));
      io.stdout.write(io.stdout.isTTY ? `${clearScreen}${frame}\n` : `${frame}\n\n`);
      previous = new Map(nodes.map((n) => [n.id, n.tasksCompleted]));
      previousAt = now;
    }
  });
}

/**
 * One refresh of `weft top`: a header and one row per node. Throughput is tasks finished per
 * second since the previous refresh (`elapsedMs` after it; undefined on the first).
 */
export function topFrame(nodes: readonly Node[], previous: ReadonlyMap<string, bigint>, elapsedMs: number | undefined, at: Date): string {
  const workers = nodes.filter((n) => n.role === NodeRole.MAPPER || n.role === NodeRole.REDUCER);
  const slots = workers.reduce((sum, n) => sum + n.slots, 0);
  const busy = workers.reduce((sum, n) => sum + n.busySlots, 0);
  const alive = nodes.filter((n) => n.state === NodeState.ALIVE).length;
  const header = `weft top - ${at.toISOString().slice(11, 19)} - ${nodes.length} nodes (${alive} alive), ${busy}/${slots} worker slots busy`;
  const t = new Table({ head: ['ID', 'ROLE', 'STATE', 'BUSY/SLOTS', 'QUEUED', 'SCATTER', 'BREAKER', 'REFUSED', 'TASKS', 'TASKS/S', 'RSS'], style: { head: [], border: [] } });
  for (const n of nodes) {
    const worker = n.role === NodeRole.MAPPER || n.role === NodeRole.REDUCER;
    const before = previous.get(n.id);
    const perSecond = worker && elapsedMs && before !== undefined ? (Number(n.tasksCompleted - before) * 1000) / elapsedMs : undefined;
    t.push([
      n.id,
      enumName(NodeRole, n.role),
      enumName(NodeState, n.state),
      worker ? `${n.busySlots}/${n.slots}` : '-',
      worker ? n.queued : '-',
      // Scatter items run on mappers only.
      n.role === NodeRole.MAPPER ? n.scatterItemsInFlight : '-',
      n.breaker === BreakerState.UNSPECIFIED ? '-' : enumName(BreakerState, n.breaker),
      worker ? n.bulkheadRejections.toString() : '-',
      worker ? n.tasksCompleted.toString() : '-',
      perSecond === undefined ? '-' : perSecond.toFixed(1),
      n.rssBytes ? formatBytes(Number(n.rssBytes)) : '-',
    ]);
  }
  return `${header}\n${t.toString()}`;
}
