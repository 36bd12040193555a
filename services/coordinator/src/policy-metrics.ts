import type { Counter } from '@opentelemetry/api';
import { BreakerState, NodeState } from '@weft/proto';
import { weftMeter } from '@weft/telemetry';
import type { NodePolicies } from './node-policies.js';
import type { WorkerRegistry } from './worker-registry.js';

/** Gauge values of a breaker state: 0 closed, 1 half-open, 2 open (higher is worse). */
const breakerValue: Partial<Record<BreakerState, number>> = {
  [BreakerState.CLOSED]: 0,
  [BreakerState.HALF_OPEN]: 1,
  [BreakerState.OPEN]: 2,
};

/**
 * Reports the per-node policies as metrics: `weft.breaker.state` (gauge per live node, 0 closed,
 * 1 half-open, 2 open), read at each scrape. Call after `startTelemetry`.
 */
export function observeBreakers(registry: WorkerRegistry, policies: NodePolicies): void {
  weftMeter()
    .createObservableGauge('weft.breaker.state', { unit: '1', description: 'Circuit breaker state per worker node: 0 closed, 1 half-open, 2 open.' })
    .addCallback((result) => {
      for (const node of registry.all()) {
        if (node.state === NodeState.DEAD) continue;
        result.observe(breakerValue[policies.breakerState(node)] ?? 0, { 'weft.node.id': node.id });
      }
    });
}

let counters: { transitions: Counter; rejections: Counter } | undefined;

/** Counters the policies bump: breaker transitions and bulkhead rejections, per node. Made on first use, after startTelemetry. */
export function policyCounters(): { transitions: Counter; rejections: Counter } {
  return (counters ??= {
    transitions: weftMeter().createCounter('weft.breaker.transitions', { unit: '{transition}', description: 'Circuit breaker state changes, by node and new state.' }),
    rejections: weftMeter().createCounter('weft.bulkhead.rejections', { unit: '{call}', description: 'Calls a node bulkhead refused because its slots and queue were full, by node.' }),
  });
}
