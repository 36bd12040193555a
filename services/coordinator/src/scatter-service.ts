import type { ServiceImpl } from '@connectrpc/connect';
import type { FunctionRegistry } from '@weft/jobs';
import type { ScatterGatherService, ScatterResponse } from '@weft/proto';
import type { ClientFactory } from '@weft/rpc';
import type { Logger } from '@weft/telemetry';
import type { NodePolicies } from './node-policies.js';
import { ScatterRun } from './scatter-run.js';
import { validateScatterRequest } from './validate-scatter.js';
import type { WorkerRegistry } from './worker-registry.js';

/**
 * weft.v1.ScatterGatherService on the coordinator: validates the request, then streams a
 * {@link ScatterRun}'s item results and summary. The caller's deadline or cancellation (relayed by
 * the gateway) aborts the run, which cancels every attempt on every mapper.
 */
export function createScatterService(deps: {
  registry: WorkerRegistry;
  functions: FunctionRegistry;
  clients: ClientFactory;
  log: Logger;
  /** Every batch of items runs under its mapper's policies (bulkhead, breaker, timeout; items retried with its retry policy). */
  policies: NodePolicies;
}): ServiceImpl<typeof ScatterGatherService> {
  const load = new Map<string, number>();
  // One registry listener for every call (not one each: many concurrent calls would trip
  // EventEmitter's leak warning): a node joining, leaving, closing its breaker or freeing a
  // bulkhead slot (the coordinator forwards the policies' events as `changed`) lets waiting items go.
  const runs = new Set<ScatterRun>();
  deps.registry.on('changed', () => {
    for (const run of runs) run.nudge();
  });
  return {
    async *scatter(request, ctx): AsyncGenerator<ScatterResponse> {
      const plan = validateScatterRequest(request, deps.functions);
      const run = new ScatterRun(plan, { registry: deps.registry, clients: deps.clients, load, policies: deps.policies, log: deps.log });
      const onAbort = (): void => run.abort();
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      runs.add(run);
      try {
        yield* run.responses();
      } finally {
        runs.delete(run);
        ctx.signal.removeEventListener('abort', onAbort);
        run.abort();
      }
    },
  };
}
