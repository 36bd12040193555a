import { Code, ConnectError, type ServiceImpl } from '@connectrpc/connect';
import type { Health} from '@weft/proto';
import { HealthCheckResponse_ServingStatus as ServingStatus } from '@weft/proto';

/**
 * The standard grpc.health.v1 service (what Kubernetes gRPC probes, grpc_health_probe and grpcurl
 * call). The empty service name is the whole process; services may register their own names.
 */
export class HealthRegistry {
  private readonly statuses = new Map<string, ServingStatus>([['', ServingStatus.SERVING]]);
  private readonly watchers = new Set<() => void>();

  /** Sets a service's status ('' = the whole server) and wakes watchers. */
  set(service: string, status: ServingStatus): void {
    this.statuses.set(service, status);
    for (const wake of this.watchers) wake();
  }

  /** Marks every registered service NOT_SERVING (used when draining). */
  setAllNotServing(): void {
    for (const service of this.statuses.keys()) this.set(service, ServingStatus.NOT_SERVING);
  }

  /** The Health implementation, for a Connect router or a GrpcServer. */
  impl(): ServiceImpl<typeof Health> {
    return {
      check: (request) => {
        const status = this.statuses.get(request.service);
        if (status === undefined) // The health protocol itself prescribes NOT_FOUND for unknown names.
        throw new ConnectError(`unknown service "${request.service}"`, Code.NotFound);
        return { status };
      },
      watch: (request, ctx) => this.watch(request.service, ctx.signal),
    };
  }

  private async *watch(service: string, signal: AbortSignal): AsyncGenerator<{ status: ServingStatus }> {
    let last: ServingStatus | undefined;
    while (!signal.aborted) {
      const status = this.statuses.get(service) ?? ServingStatus.SERVICE_UNKNOWN;
      if (status !== last) {
        last = status;
        yield { status };
      }
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          this.watchers.delete(wake);
          signal.removeEventListener('abort', wake);
          resolve();
        };
        this.watchers.add(wake);
        signal.addEventListener('abort', wake, { once: true });
      });
    }
  }
}

export { ServingStatus };
