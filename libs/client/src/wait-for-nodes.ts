import { Code, ConnectError } from '@connectrpc/connect';
import type { Node } from '@weft/proto';
import { NodeRole, NodeState } from '@weft/proto';
import { isConnectionFailure } from './retry-unavailable.js';

/** What must be true of the cluster for `waitForNodes` to resolve. */
export interface WaitForNodesOptions {
  /** At least this many mappers ALIVE. Default 0. */
  readonly mappers?: number;
  /** At least this many reducers ALIVE. Default 0. */
  readonly reducers?: number;
  /** Each of these node ids listed and ALIVE (e.g. the ids a launcher read from ready lines). */
  readonly nodeIds?: readonly string[];
  /** Give up after this many milliseconds. Default 30000. */
  readonly timeoutMs?: number;
  /** Delay between polls, in milliseconds. Default 100. */
  readonly intervalMs?: number;
  /** Stops waiting (rejecting with the signal's reason). */
  readonly signal?: AbortSignal;
}

/**
 * @internal Polls `describe` until the expectation holds and returns the nodes. A connection failure
 * ({@link isConnectionFailure}: UNAVAILABLE, or a connection dropped mid-call, as when the gateway or
 * coordinator is still starting or restarting) counts as "not yet"; any other error is final.
 * Throws a `ConnectError` with `Code.DeadlineExceeded` describing what was missing on timeout.
 */
export async function waitForNodes(describe: () => Promise<Node[]>, options: WaitForNodesOptions): Promise<Node[]> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  const intervalMs = options.intervalMs ?? 100;
  let missing = 'no answer from DescribeCluster yet';
  for (;;) {
    options.signal?.throwIfAborted();
    try {
      const nodes = await describe();
      missing = describeMissing(nodes, options);
      if (!missing) return nodes;
    } catch (err) {
      if (!isConnectionFailure(err, options.signal)) throw err;
      missing = `gateway unavailable: ${ConnectError.from(err).rawMessage}`;
    }
    if (Date.now() >= deadline) throw new ConnectError(`cluster not ready: ${missing}`, Code.DeadlineExceeded);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Says what is still missing, or '' when the expectation holds. */
function describeMissing(nodes: Node[], options: WaitForNodesOptions): string {
  const alive = nodes.filter((n) => n.state === NodeState.ALIVE);
  const problems: string[] = [];
  const mappers = alive.filter((n) => n.role === NodeRole.MAPPER).length;
  const reducers = alive.filter((n) => n.role === NodeRole.REDUCER).length;
  if (mappers < (options.mappers ?? 0)) problems.push(`${mappers}/${options.mappers} mappers alive`);
  if (reducers < (options.reducers ?? 0)) problems.push(`${reducers}/${options.reducers} reducers alive`);
  const aliveIds = new Set(alive.map((n) => n.id));
  const absent = (options.nodeIds ?? []).filter((id) => !aliveIds.has(id));
  if (absent.length) problems.push(`not alive: ${absent.join(', ')}`);
  return problems.join('; ');
}
