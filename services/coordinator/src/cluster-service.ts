import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import type { ServiceImpl } from '@connectrpc/connect';
import type { FunctionRegistry } from '@weft/jobs';
import type { ClusterService} from '@weft/proto';
import { BreakerState, Executor, FunctionKind, NodeRole, NodeState, type NodeSchema } from '@weft/proto';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { WorkerNode, WorkerRegistry } from './worker-registry.js';

/** weft.v1.ClusterService on the coordinator: itself plus every worker it has seen. */
export function createClusterService(options: {
  registry: WorkerRegistry;
  functions: FunctionRegistry;
  /** The coordinator's breaker state towards a worker. */
  breakerOf?: (node: WorkerNode) => BreakerState;
  /** Calls and scatter batches the coordinator's bulkhead for a worker refused. */
  rejectionsOf?: (node: WorkerNode) => number;
  self: { id: string; address: string; startedMs: number; version: string };
}): ServiceImpl<typeof ClusterService> {
  const { registry, functions, self, breakerOf, rejectionsOf } = options;
  return {
    describeCluster() {
      const coordinator: MessageInitShape<typeof NodeSchema> = {
        id: self.id, role: NodeRole.COORDINATOR, address: self.address, state: NodeState.ALIVE,
        registeredAt: timestampFromMs(self.startedMs), lastHeartbeatAt: timestampFromMs(Date.now()),
        rssBytes: BigInt(process.memoryUsage.rss()), version: self.version,
      };
      const workers = registry
        .all()
        .sort((a, b) => a.role - b.role || a.id.localeCompare(b.id))
        .map((node): MessageInitShape<typeof NodeSchema> => ({
          id: node.id,
          role: node.role,
          address: node.address,
          slots: node.slots,
          busySlots: node.heartbeat?.busySlots ?? node.busy,
          queued: node.heartbeat?.queued ?? 0,
          state: node.state,
          breaker: breakerOf?.(node) ?? BreakerState.UNSPECIFIED,
          tasksCompleted: BigInt(node.tasksCompleted),
          registeredAt: timestampFromMs(node.registeredAt.getTime()),
          lastHeartbeatAt: timestampFromMs(node.lastHeartbeatAt.getTime()),
          rssBytes: node.heartbeat?.rssBytes ?? 0n,
          version: node.version,
          scatterItemsInFlight: node.heartbeat?.scatterItemsInFlight ?? 0,
          scatterItemsPeak: node.heartbeat?.scatterItemsPeak ?? 0,
          scatterItemsCompleted: node.heartbeat?.scatterItemsCompleted ?? 0n,
          bulkheadRejections: BigInt(rejectionsOf?.(node) ?? 0),
        }));
      return { nodes: [coordinator, ...workers] };
    },

    listFunctions() {
      return {
        functions: functions.list().map((f) => ({
          name: f.name,
          kind: f.kind === 'job' ? FunctionKind.JOB : FunctionKind.SCATTER,
          executor: f.executor === 'cpu' ? Executor.CPU : Executor.IO,
          description: f.description,
          source: f.source,
          idempotent: f.idempotent,
          params: Object.entries(f.params).map(([name, p]) => ({
            name, type: p.type, required: p.required ?? false, description: p.description,
            defaultJson: p.default === undefined ? '' : JSON.stringify(p.default),
          })),
        })),
      };
    },
  };
}
