import type { ServiceProcess } from './service-process.js';
import type { ExitInfo } from './service-process.js';
import { portOf } from './ready-line.js';

/** What a node does. */
export type ServiceRole = 'coordinator' | 'gateway' | 'mapper' | 'reducer';

/** One process of a local cluster, across restarts. */
export interface NodeHandle {
  /** What the node does. */
  readonly role: ServiceRole;
  /** Launcher name, unique in the cluster: "coordinator", "gateway", "mapper-1", "reducer-2"... */
  readonly name: string;
  /** Node id from its ready line (mappers and reducers: the same as `name`, kept across restarts). */
  readonly id: string;
  /** Where it accepts calls, e.g. "http://127.0.0.1:40123" (kept across restarts). */
  readonly url: string;
  /** OS process id of the current incarnation. */
  readonly pid: number | undefined;
  /** True while the current incarnation runs. */
  readonly running: boolean;
  /** Resolves when the current incarnation exits. */
  readonly exited: Promise<ExitInfo>;
  /** File holding everything the node wrote, across restarts. */
  readonly logFile: string;
  /** Sends `signal` (default SIGKILL: a crash, no goodbye to the coordinator). */
  kill(signal?: NodeJS.Signals): void;
  /** Freezes the process (SIGSTOP): alive to the OS, silent to the cluster. */
  pause(): void;
  /** Thaws a paused process (SIGCONT). */
  resume(): void;
  /**
   * Starts the node again on the same port with the same env (stopping it first if it runs) and
   * resolves once it is ready and the cluster sees it again.
   */
  restart(): Promise<void>;
  /** The last lines the current incarnation wrote. */
  lastLogLines(): string[];
}

/** @internal How the cluster starts one incarnation of a node. */
export interface NodeSpawner {
  /** Spawns with `env` plus the port variable set to `port` (0 for the first start). */
  spawn(port: number): ServiceProcess;
  /** Runs after a restart's ready line: waits until the cluster sees the node. */
  afterRestart(): Promise<void>;
  /** Grace period of a stop before SIGKILL, in milliseconds. */
  readonly stopGraceMs: number;
}

/** @internal A `NodeHandle` over a sequence of `ServiceProcess` incarnations. */
export class ClusterNode implements NodeHandle {
  private current: ServiceProcess;
  private address = '';
  private nodeId = '';

  private constructor(
    readonly role: ServiceRole,
    readonly name: string,
    readonly logFile: string,
    private readonly spawner: NodeSpawner,
  ) {
    this.current = spawner.spawn(0);
  }

  /** Spawns the node and resolves once it logged its ready line; rejects with its last lines. */
  static async start(role: ServiceRole, name: string, logFile: string, spawner: NodeSpawner): Promise<ClusterNode> {
    const node = new ClusterNode(role, name, logFile, spawner);
    const ready = await node.current.start();
    node.address = ready.address;
    node.nodeId = ready.nodeId || name;
    return node;
  }

  get id(): string {
    return this.nodeId;
  }
  get url(): string {
    return this.address;
  }
  get pid(): number | undefined {
    return this.current.pid;
  }
  get running(): boolean {
    return this.current.running;
  }
  get exited(): Promise<ExitInfo> {
    return this.current.exited;
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    this.current.kill(signal);
  }
  pause(): void {
    this.current.kill('SIGSTOP');
  }
  resume(): void {
    this.current.kill('SIGCONT');
  }

  async restart(): Promise<void> {
    await this.current.stop(this.spawner.stopGraceMs);
    this.current = this.spawner.spawn(portOf(this.address));
    const ready = await this.current.start();
    this.address = ready.address;
    await this.spawner.afterRestart();
  }

  /** Stops the current incarnation (SIGTERM, SIGKILL after the grace period). */
  stop(): Promise<ExitInfo> {
    return this.current.stop(this.spawner.stopGraceMs);
  }

  lastLogLines(): string[] {
    return this.current.lastLines();
  }
}
