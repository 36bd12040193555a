import { CancelledError } from '@weft/errors';
import type { NodeRole } from '@weft/proto';
import type { WorkerNode, WorkerRegistry } from './worker-registry.js';

/** A slot on a node, held while one task attempt runs there. */
export interface Lease {
  readonly node: WorkerNode;
  /** Release the slot; `succeeded` counts the node's completed tasks. Idempotent. */
  release(succeeded: boolean): void;
}

interface Waiter {
  readonly role: NodeRole;
  readonly avoid: ReadonlySet<string>;
  readonly resolve: (lease: Lease) => void;
  readonly reject: (error: unknown) => void;
  readonly signal: AbortSignal;
}

/**
 * Places task attempts on workers within the slots each one advertised. Waiters are served in
 * arrival order (so an early job is not starved by a later one); each goes to the least-loaded
 * live node of its role, preferring nodes it was asked to avoid last (a retry after a failure).
 */
export class SlotScheduler {
  private readonly waiters: Waiter[] = [];

  /** `usable` says whether a node may take work now (its breaker is closed); default always. */
  constructor(
    private readonly registry: WorkerRegistry,
    private readonly usable: (node: WorkerNode) => boolean = () => true,
  ) {
    registry.on('changed', () => this.pump());
  }

  /** Resolves a lease once a slot is free; rejects with CancelledError if `signal` aborts first. */
  acquire(role: NodeRole, options: { signal: AbortSignal; avoid?: ReadonlySet<string> }): Promise<Lease> {
    return new Promise<Lease>((resolve, reject) => {
      if (options.signal.aborted) {
        reject(new CancelledError('cancelled while waiting for a slot'));
        return;
      }
      const onAbort = (): void => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(new CancelledError('cancelled while waiting for a slot'));
      };
      const waiter: Waiter = {
        role,
        avoid: options.avoid ?? new Set(),
        signal: options.signal,
        reject,
        resolve: (lease) => {
          options.signal.removeEventListener('abort', onAbort);
          resolve(lease);
        },
      };
      options.signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
      this.pump();
    });
  }

  /** Attempts waiting for a slot, per role. */
  waiting(role: NodeRole): number {
    return this.waiters.filter((w) => w.role === role).length;
  }

  private pump(): void {
    // Roles with no free node: their other waiters need not look (pumps come often: every slot given back).
    const full = new Set<NodeRole>();
    for (let i = 0; i < this.waiters.length; ) {
      const waiter = this.waiters[i]!;
      const node = full.has(waiter.role) ? undefined : this.pick(waiter);
      if (!node) {
        full.add(waiter.role);
        i += 1;
        continue;
      }
      this.waiters.splice(i, 1);
      node.busy += 1;
      let released = false;
      waiter.resolve({
        node,
        release: (succeeded) => {
          if (released) return;
          released = true;
          node.busy -= 1;
          if (succeeded) node.tasksCompleted += 1;
          this.pump();
        },
      });
    }
  }

  private pick(waiter: Waiter): WorkerNode | undefined {
    const free = this.registry.available(waiter.role).filter((n) => n.busy < n.slots && this.usable(n));
    if (free.length === 0) return undefined;
    const preferred = free.filter((n) => !waiter.avoid.has(n.id));
    const candidates = preferred.length > 0 ? preferred : free;
    return candidates.reduce((best, n) => (n.busy / n.slots < best.busy / best.slots ? n : best));
  }
}
