import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import type { NodeHandle } from '@weft/launcher';
import { FaultService } from '@weft/proto/cluster';

/** Faults to inject into one node's RPC handlers. */
export interface FaultsInit {
  /** Delay before each matching handler, in milliseconds. Default 0. */
  readonly latencyMs?: number;
  /** Fraction (0..1) of matching calls failing with UNAVAILABLE. Default 0. */
  readonly errorRate?: number;
  /** Method names (e.g. `RunMapTask`); default every method but health. */
  readonly methods?: readonly string[];
}

/**
 * Sets the faults a running mapper or reducer injects from now on (replacing earlier ones; `{}`
 * turns injection off). The cluster must run in test mode (`env: { WEFT_TEST_MODE: '1' }`).
 * Settings last until the node restarts. Throws a FAILED_PRECONDITION ConnectError otherwise.
 */
export async function injectFaults(node: NodeHandle, faults: FaultsInit): Promise<void> {
  const client = createClient(FaultService, createGrpcTransport({ baseUrl: node.url }));
  try {
    await client.setFaults({ faults: { latencyMs: faults.latencyMs ?? 0, errorRate: faults.errorRate ?? 0, methods: [...(faults.methods ?? [])] } }, { timeoutMs: 10_000 });
  } catch (err) {
    if (ConnectError.from(err).code === Code.Unimplemented) {
      throw new ConnectError(`${node.name} does not serve FaultService: start the cluster with env WEFT_TEST_MODE=1`, Code.FailedPrecondition);
    }
    throw err;
  }
}
