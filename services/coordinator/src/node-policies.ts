import { EventEmitter } from 'node:events';
import { Code } from '@connectrpc/connect';
import { CancelledError } from '@weft/errors';
import { BreakerState, Health, NodeState } from '@weft/proto';
import { codeOf, createRetryPolicy, type ClientFactory } from '@weft/rpc';
import type { Logger } from '@weft/telemetry';
import {
  bulkhead,
  circuitBreaker,
  CircuitState,
  ConsecutiveBreaker,
  handleWhen,
  isBrokenCircuitError,
  isBulkheadRejectedError,
  isIsolatedCircuitError,
  timeout,
  TimeoutStrategy,
  type BulkheadPolicy,
  type CircuitBreakerPolicy,
  type RetryPolicy,
} from 'cockatiel';
import type { WorkerNode, WorkerRegistry } from './worker-registry.js';
import { policyCounters } from './policy-metrics.js';

/** How the coordinator treats every remote node; see the service README for the variables. */
export interface NodePolicyOptions {
  /** Consecutive node faults that open a node's breaker (COORDINATOR_BREAKER_THRESHOLD, default 3). */
  readonly breakerThreshold: number;
  /** Time an open breaker waits before a half-open probe, ms (COORDINATOR_BREAKER_HALF_OPEN_AFTER, default 5s). */
  readonly breakerHalfOpenAfterMs: number;
  /** Calls allowed to wait for a node's slots beyond them (COORDINATOR_BULKHEAD_QUEUE, default 4). */
  readonly bulkheadQueue: number;
  /** Retries of a call failing with a retryable code (COORDINATOR_CALL_RETRIES, default 2). */
  readonly callRetries: number;
  /** First retry delay, ms; exponential with jitter (COORDINATOR_RETRY_INITIAL_DELAY, default 100ms). */
  readonly retryInitialDelayMs: number;
  /** Largest retry delay, ms (COORDINATOR_RETRY_MAX_DELAY, default 2s). */
  readonly retryMaxDelayMs: number;
  /** How often every live node's health is probed through its breaker, ms (COORDINATOR_PROBE_INTERVAL, default 1s). */
  readonly probeIntervalMs: number;
  /** Time a probe may take before it counts as a fault, ms (COORDINATOR_PROBE_TIMEOUT, default 2s). */
  readonly probeTimeoutMs: number;
}

/** Options of one call through {@link NodePolicies.execute}. */
export interface CallOptions {
  /** Time allowed per attempt, ms; 0 = none. */
  readonly timeoutMs: number;
  /** True when repeating the call is harmless (then DEADLINE_EXCEEDED is retried too). */
  readonly idempotent: boolean;
  /** The caller's cancellation. */
  readonly signal: AbortSignal;
  /** Told about each failure the retry policy is about to retry (same node, after a backoff). */
  readonly onRetry?: (error: unknown) => void;
}

/** Options of one batch of scatter items through {@link NodePolicies.runBatch}. */
export interface BatchOptions {
  /** Time allowed to the batch's items from their dispatch, ms; 0 = none. */
  readonly timeoutMs: number;
  /** The scatter call's cancellation (also drops the batch while it waits in the bulkhead's queue). */
  readonly signal: AbortSignal;
}

interface NodePolicy {
  readonly node: WorkerNode;
  readonly breaker: CircuitBreakerPolicy;
  readonly bulkhead: BulkheadPolicy;
  probing: boolean;
  /** Calls and scatter batches its bulkhead refused. */
  rejections: number;
}

/**
 * Failures that say something about the node rather than the work: it is down, overloaded or too
 * slow. A user function's error (ABORTED), a bad request or a cancellation never opens a breaker.
 */
function isNodeFault(error: unknown): boolean {
  const code = codeOf(error);
  return code === Code.Unavailable || code === Code.DeadlineExceeded || code === Code.ResourceExhausted || code === Code.Internal || code === Code.Unknown;
}

const breakerStates: Record<CircuitState, BreakerState> = {
  [CircuitState.Closed]: BreakerState.CLOSED,
  [CircuitState.Open]: BreakerState.OPEN,
  [CircuitState.HalfOpen]: BreakerState.HALF_OPEN,
  [CircuitState.Isolated]: BreakerState.OPEN,
};

/**
 * The one place the coordinator's per-node resilience policies are built (cockatiel): for each
 * registered node a circuit breaker (opened by consecutive node faults, probed half-open by a
 * health check), a bulkhead of the node's advertised slots with a bounded queue, a timeout per
 * attempt and retries with exponential backoff and jitter on retryable codes only. A fresh
 * registration (a restarted node) gets fresh policies.
 *
 * Map and reduce attempts go through {@link execute}; batches of scatter items through
 * {@link runBatch} (same bulkhead and breaker: a batch takes one of the node's slots), each item
 * retried by the scatter run with {@link retryPolicy}.
 *
 * Events: `notice` (a line for the jobs' WatchJob streams: breaker transitions, bulkhead
 * rejections), `changed` (a breaker changed state: the scheduler re-checks where work may go),
 * `freed` (a call or batch left a node's bulkhead: a slot may be free).
 */
export class NodePolicies extends EventEmitter<{ notice: [string]; changed: []; freed: [WorkerNode] }> {
  private readonly policies = new WeakMap<WorkerNode, NodePolicy>();
  private readonly retries: { idempotent: RetryPolicy; other: RetryPolicy };
  private readonly prober: NodeJS.Timeout;

  constructor(
    private readonly registry: WorkerRegistry,
    private readonly clients: ClientFactory,
    private readonly options: NodePolicyOptions,
    private readonly log: Logger,
  ) {
    super();
    const retry = { retries: options.callRetries, initialDelayMs: options.retryInitialDelayMs, maxDelayMs: options.retryMaxDelayMs };
    this.retries = { idempotent: createRetryPolicy({ ...retry, idempotent: true }), other: createRetryPolicy({ ...retry, idempotent: false }) };
    this.prober = setInterval(() => this.probeAll(), options.probeIntervalMs);
    this.prober.unref();
  }

  /** The breaker state DescribeCluster reports for a node. */
  breakerState(node: WorkerNode): BreakerState {
    return breakerStates[this.of(node).breaker.state];
  }

  /** True when the scheduler may place work on the node: its breaker is closed. */
  isUsable(node: WorkerNode): boolean {
    return this.of(node).breaker.state === CircuitState.Closed;
  }

  /** Slots of the node's bulkhead free now (a call or batch started now would run at once). */
  freeSlots(node: WorkerNode): number {
    return this.of(node).bulkhead.executionSlots;
  }

  /** Calls and scatter batches the node's bulkhead refused since it registered. */
  rejections(node: WorkerNode): number {
    return this.of(node).rejections;
  }

  /**
   * The retry policy (retryable codes only, exponential backoff with jitter) for calls that are
   * (or are not) idempotent: DEADLINE_EXCEEDED is retried only for idempotent ones.
   */
  retryPolicy(idempotent: boolean): RetryPolicy {
    return idempotent ? this.retries.idempotent : this.retries.other;
  }

  /**
   * Runs one call to `node` under its policies, outermost first: retry (retryable codes only, with
   * backoff), bulkhead (slots + bounded queue; a rejection is RESOURCE_EXHAUSTED), breaker (fails
   * fast while open), timeout (aborts `fn`'s signal when the attempt takes too long). `fn` must
   * pass the signal it gets to its RPC.
   */
  async execute<T>(node: WorkerNode, options: CallOptions, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const policy = this.of(node);
    const perAttempt = options.timeoutMs > 0 ? timeout(options.timeoutMs, TimeoutStrategy.Aggressive) : undefined;
    // Between breaker and timeout: a call the caller cancelled (a backup won, the job ended, the
    // node was declared lost) says nothing about the node, so the breaker must not count it.
    const guarded = async (signal: AbortSignal): Promise<T> => {
      try {
        return perAttempt ? await perAttempt.execute(({ signal: attemptSignal }) => fn(attemptSignal), signal) : await fn(signal);
      } catch (error) {
        if (options.signal.aborted) throw new CancelledError(`call to node ${node.id} was cancelled`, { cause: error });
        throw error;
      }
    };
    const retry = this.retryPolicy(options.idempotent);
    let lastFailure: unknown;
    let attempts = 0;
    return retry.execute(
      ({ signal }) => {
        if (attempts++ > 0) options.onRetry?.(lastFailure);
        return this.guard(policy, signal, guarded).catch((error: unknown) => {
          lastFailure = error;
          throw error;
        });
      },
      options.signal,
    );
  }

  /**
   * Runs one batch of scatter items sent to `node` under its policies: bulkhead (the batch holds
   * one slot until all its items have ended; a full bulkhead rejects it with RESOURCE_EXHAUSTED,
   * counted and announced), breaker (fails fast while open; a failed batch counts as a node
   * fault), cooperative timeout (`fn`'s signal aborts when the batch's items are past their
   * per-attempt time: `fn` then ends them as timed out and resolves; an item that is merely slow
   * is not the node's fault). No retry here: the scatter run retries items one by one.
   */
  runBatch<T>(node: WorkerNode, options: BatchOptions, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const perAttempt = options.timeoutMs > 0 ? timeout(options.timeoutMs, TimeoutStrategy.Cooperative) : undefined;
    return this.guard(this.of(node), options.signal, (signal) =>
      perAttempt ? perAttempt.execute(({ signal: attemptSignal }) => fn(attemptSignal), signal) : fn(signal));
  }

  /** Bulkhead → breaker around `fn`; counts and announces bulkhead rejections, tells `freed` listeners when a slot is given back. */
  private guard<T>(policy: NodePolicy, signal: AbortSignal, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const { node } = policy;
    let admitted = false;
    return policy.bulkhead
      .execute(({ signal: slotSignal }) => {
        admitted = true;
        return policy.breaker.execute(({ signal: callSignal }) => fn(callSignal), slotSignal);
      }, signal)
      .catch((error: unknown) => {
        if (isBulkheadRejectedError(error)) {
          policy.rejections += 1;
          policyCounters().rejections.add(1, { 'weft.node.id': node.id });
          this.emit('notice', `node ${node.id} rejected a call: its ${node.slots} slots and queue of ${this.options.bulkheadQueue} are full (bulkhead)`);
        }
        throw error;
      })
      .finally(() => {
        if (admitted) this.emit('freed', node);
      });
  }

  /** True when `error` came from an open breaker rather than from the node. */
  static isBreakerOpen(error: unknown): boolean {
    return isBrokenCircuitError(error) || isIsolatedCircuitError(error);
  }

  /** Stops probing. */
  close(): void {
    clearInterval(this.prober);
  }

  private of(node: WorkerNode): NodePolicy {
    let policy = this.policies.get(node);
    if (!policy) {
      const breaker = circuitBreaker(handleWhen(isNodeFault), {
        halfOpenAfter: this.options.breakerHalfOpenAfterMs,
        breaker: new ConsecutiveBreaker(this.options.breakerThreshold),
      });
      breaker.onStateChange((state) => {
        const text = `breaker of node ${node.id} is ${CircuitState[state].toLowerCase()}`;
        this.log.warn({ nodeId: node.id, breaker: CircuitState[state] }, 'breaker changed state');
        policyCounters().transitions.add(1, { 'weft.node.id': node.id, 'weft.breaker.state': CircuitState[state].toLowerCase() });
        this.emit('notice', state === CircuitState.Open ? `${text}: work is routed to other nodes` : text);
        this.emit('changed');
      });
      policy = { node, breaker, bulkhead: bulkhead(node.slots, this.options.bulkheadQueue), probing: false, rejections: 0 };
      this.policies.set(node, policy);
    }
    return policy;
  }

  /** Probes every node that may get work; an open breaker's probe after `halfOpenAfter` is its half-open test call. */
  private probeAll(): void {
    for (const node of this.registry.all()) {
      if (node.state !== NodeState.ALIVE && node.state !== NodeState.DRAINING) continue;
      const policy = this.of(node);
      if (policy.probing) continue;
      policy.probing = true;
      const health = this.clients.client(Health, node.address);
      void policy.breaker
        .execute(() => health.check({ service: '' }, { timeoutMs: this.options.probeTimeoutMs }))
        .catch(() => undefined)
        .finally(() => (policy.probing = false));
    }
  }
}
