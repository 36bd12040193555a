import { createWeftClient } from '@weft/client';
import type { WeftClient } from '@weft/client';
import { startLocalCluster } from '@weft/launcher';
import type { LocalCluster, LocalClusterOptions } from '@weft/launcher';

/** A local cluster that accepts calls, with a client of its gateway. */
export interface ReadyCluster {
  readonly cluster: LocalCluster;
  readonly client: WeftClient;
}

/**
 * Starts a local cluster and resolves once the gateway's DescribeCluster lists every running
 * mapper and reducer ALIVE, which is when `weft dev` may say "gateway: URL".
 */
export async function startReadyCluster(options: Omit<LocalClusterOptions, 'waitUntilReady'>): Promise<ReadyCluster> {
  let client: WeftClient | undefined;
  const cluster = await startLocalCluster({
    ...options,
    waitUntilReady: async (c) => {
      client ??= createWeftClient({ url: c.gatewayUrl });
      const nodeIds = c.nodes.filter((n) => (n.role === 'mapper' || n.role === 'reducer') && n.running).map((n) => n.id);
      await client.waitForNodes({ nodeIds, timeoutMs: 60_000 });
    },
  });
  return { cluster, client: client ?? createWeftClient({ url: cluster.gatewayUrl }) };
}
