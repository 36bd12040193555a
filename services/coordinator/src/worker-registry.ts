import { EventEmitter } from 'node:events';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { HandlerContext, ServiceImpl } from '@connectrpc/connect';
import { InvalidArgumentError } from '@weft/errors';
import { NodeRole, NodeState } from '@weft/proto';
import type { RegistryService} from '@weft/proto/cluster';
import { type Heartbeat, type RegisterWorkerRequest, type RegisterWorkerResponseSchema } from '@weft/proto/cluster';
import type { Logger } from '@weft/telemetry';

type Command = MessageInitShape<typeof RegisterWorkerResponseSchema>;

/** A registered mapper or reducer, as the coordinator sees it. */
export interface WorkerNode {
  readonly id: string;
  readonly role: NodeRole;
  readonly address: string;
  readonly slots: number;
  readonly version: string;
  readonly registeredAt: Date;
  lastHeartbeatAt: Date;
  heartbeat: Heartbeat | undefined;
  state: NodeState;
  /** Task attempts the scheduler has placed on it and not yet released. */
  busy: number;
  /** Task attempts it finished successfully for this coordinator. */
  tasksCompleted: number;
  /** Aborted when the node is declared dead: every attempt running on it stops. */
  readonly lost: AbortController;
  /** Commands waiting to go down its registration stream. */
  readonly outbox: Command[];
  wake?: () => void;
}

/** Options of a {@link WorkerRegistry}. */
export interface WorkerRegistryOptions {
  /** Heartbeat interval asked of workers, ms (COORDINATOR_HEARTBEAT_INTERVAL). */
  readonly heartbeatIntervalMs: number;
  /** Heartbeat silence after which a worker is declared lost, ms (COORDINATOR_NODE_TIMEOUT). */
  readonly nodeTimeoutMs: number;
  readonly coordinatorId: string;
  readonly log: Logger;
  /** The clock heartbeats are timed with (tests pass a fake one); default `Date.now`. */
  readonly now?: () => number;
}

/**
 * Membership and failure detection. A worker is alive while its registration stream is open and
 * its heartbeats keep coming: the stream's end, or heartbeat silence for `nodeTimeoutMs` (a frozen
 * or cut-off process keeps its stream open), declares it lost — its running attempts are aborted
 * and re-run elsewhere, and the map outputs it held are no longer trusted. A lost worker is never
 * revived: the coordinator ends its stream, and when it comes back it registers again and is a new
 * node (a new {@link WorkerNode}, fresh policies, no outputs), as Spark and Hadoop treat an
 * executor or tasktracker that returns after being declared lost.
 *
 * Events: `changed` (a node joined, left or freed capacity), `lost` (node).
 */
export class WorkerRegistry extends EventEmitter<{ changed: []; lost: [WorkerNode] }> {
  private readonly nodes = new Map<string, WorkerNode>();
  private readonly sweeper: NodeJS.Timeout;
  private readonly now: () => number;

  constructor(private readonly options: WorkerRegistryOptions) {
    super();
    this.now = options.now ?? Date.now;
    // Checked four times per timeout: a silent node is declared lost within 1.25 x the timeout.
    this.sweeper = setInterval(() => this.checkHeartbeats(), Math.max(100, Math.floor(options.nodeTimeoutMs / 4)));
    this.sweeper.unref();
  }

  /** Every node ever seen in this coordinator's life, dead ones included. */
  all(): WorkerNode[] {
    return [...this.nodes.values()];
  }

  /** Live nodes of a role that may take new work. */
  available(role: NodeRole): WorkerNode[] {
    return this.all().filter((n) => n.role === role && n.state === NodeState.ALIVE);
  }

  /** A node by id. */
  get(id: string): WorkerNode | undefined {
    return this.nodes.get(id);
  }

  /** Queues a command for every live node of a role. */
  broadcast(role: NodeRole, command: Command): void {
    for (const node of this.available(role)) {
      node.outbox.push(command);
      node.wake?.();
    }
  }

  /** The RegistryService implementation. */
  impl(): ServiceImpl<typeof RegistryService> {
    return { registerWorker: (requests, ctx) => this.serve(requests, ctx) };
  }

  /** Stops the sweeper. */
  close(): void {
    clearInterval(this.sweeper);
  }

  /** Declares lost every node whose last heartbeat (or registration) is older than the node timeout. Runs on a timer; tests call it. */
  checkHeartbeats(): void {
    const deadline = this.now() - this.options.nodeTimeoutMs;
    for (const node of this.nodes.values()) {
      if (node.state !== NodeState.DEAD && node.lastHeartbeatAt.getTime() < deadline) {
        this.declareDead(node, `no heartbeat for ${this.options.nodeTimeoutMs} ms`);
      }
    }
  }

  private async *serve(requests: AsyncIterable<RegisterWorkerRequest>, ctx: HandlerContext): AsyncGenerator<Command> {
    const iterator = requests[Symbol.asyncIterator]();
    const first = await iterator.next();
    if (first.done || first.value.kind.case !== 'hello') throw new InvalidArgumentError('kind', 'of the first RegisterWorker message must be hello');
    const hello = first.value.kind.value;
    if (hello.role !== NodeRole.MAPPER && hello.role !== NodeRole.REDUCER) throw new InvalidArgumentError('hello.role', 'must be MAPPER or REDUCER');
    if (!hello.nodeId) throw new InvalidArgumentError('hello.node_id', 'must not be empty');
    if (hello.slots < 1) throw new InvalidArgumentError('hello.slots', 'must be at least 1');

    const previous = this.nodes.get(hello.nodeId);
    if (previous && previous.state !== NodeState.DEAD) this.declareDead(previous, 'it registered again');
    const now = new Date(this.now());
    const node: WorkerNode = {
      id: hello.nodeId, role: hello.role, address: hello.address, slots: hello.slots, version: hello.version,
      registeredAt: now, lastHeartbeatAt: now, heartbeat: undefined, state: NodeState.ALIVE, busy: 0, tasksCompleted: 0,
      lost: new AbortController(), outbox: [],
    };
    this.nodes.set(node.id, node);
    this.options.log.info({ nodeId: node.id, role: NodeRole[node.role], address: node.address, slots: node.slots }, 'worker registered');
    this.emit('changed');

    const heartbeats = (async () => {
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
        // A node declared lost stays lost: a heartbeat that arrives late (the process was frozen
        // and resumed) does not revive it. Its stream has been ended; it registers again.
        if (node.state === NodeState.DEAD) return;
        if (next.value.kind.case !== 'heartbeat') continue;
        node.heartbeat = next.value.kind.value;
        node.lastHeartbeatAt = new Date(this.now());
        if (node.heartbeat.draining && node.state === NodeState.ALIVE) {
          node.state = NodeState.DRAINING;
          this.emit('changed');
        }
      }
    })();
    heartbeats.then(
      () => this.declareDead(node, 'its registration stream ended'),
      () => this.declareDead(node, 'its registration stream failed'),
    );

    yield { kind: { case: 'welcome', value: { heartbeatIntervalMs: this.options.heartbeatIntervalMs, coordinatorId: this.options.coordinatorId } } };
    while (!node.lost.signal.aborted && !ctx.signal.aborted) {
      const command = node.outbox.shift();
      if (command) {
        yield command;
        continue;
      }
      await new Promise<void>((resolve) => {
        const done = (): void => {
          node.wake = undefined;
          node.lost.signal.removeEventListener('abort', done);
          ctx.signal.removeEventListener('abort', done);
          resolve();
        };
        node.wake = done;
        node.lost.signal.addEventListener('abort', done, { once: true });
        ctx.signal.addEventListener('abort', done, { once: true });
      });
    }
  }

  private declareDead(node: WorkerNode, reason: string): void {
    if (node.state === NodeState.DEAD) return;
    node.state = NodeState.DEAD;
    this.options.log.warn({ nodeId: node.id, reason }, 'worker lost');
    node.lost.abort(new Error(`node ${node.id} was lost: ${reason}`));
    this.emit('lost', node);
    this.emit('changed');
  }
}
