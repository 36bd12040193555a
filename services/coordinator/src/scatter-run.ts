import { create, fromJson, type JsonValue } from '@bufbuild/protobuf';
import { ValueSchema } from '@bufbuild/protobuf/wkt';
import { Code } from '@connectrpc/connect';
import { NodeRole, ScatterResponseSchema, type ItemResult, type ScatterResponse } from '@weft/proto';
import { MapperService, type ScatterItemOutcome } from '@weft/proto/cluster';
import { BatchQueue, type ClientFactory } from '@weft/rpc';
import type { Logger } from '@weft/telemetry';
import type { Span } from '@opentelemetry/api';
import { ScatterLink } from './scatter-link.js';
import { ScatterTracing, type AttemptEnd } from './scatter-tracing.js';
import type { ScatterPlan } from './validate-scatter.js';
import type { WorkerNode, WorkerRegistry } from './worker-registry.js';

/** Most item results in one response message. */
const maxItemsPerMessage = 500;

/** One response carrying `items`: `item` for a single one, `items` for several. */
function itemsMessage(items: ItemResult[]): ScatterResponse {
  return items.length === 1
    ? create(ScatterResponseSchema, { kind: { case: 'item', value: items[0]! } })
    : create(ScatterResponseSchema, { kind: { case: 'items', value: { results: items } } });
}

/** Attempts per item when nodes are lost under it or its thread crashes (a hedge is not counted). */
const maxLostAttempts = 3;

interface Item {
  readonly index: number;
  done: boolean;
  /** Attempts started so far (the next one's number is this + 1). */
  started: number;
  /** Node losses suffered. */
  lost: number;
  firstDispatchMs: number;
  hedged: boolean;
  hedgeTimer: NodeJS.Timeout | undefined;
  readonly running: Set<Attempt>;
}

interface Attempt {
  readonly id: number;
  readonly number: number;
  readonly item: Item;
  readonly link: ScatterLink;
  timer: NodeJS.Timeout | undefined;
  readonly span: Span;
}

/** An item waiting for a permit ahead of fresh items: a hedge or a retry after a lost node. */
interface Priority {
  readonly item: Item;
  readonly avoid: ReadonlySet<string>;
  /** Hedges must go to another node; retries only prefer one. */
  readonly strict: boolean;
}

/** What a scatter run needs from the coordinator. */
export interface ScatterRunDeps {
  readonly registry: WorkerRegistry;
  readonly clients: ClientFactory;
  /** Scatter attempts in flight per node id, shared by every call so concurrent calls spread out. */
  readonly load: Map<string, number>;
  /** False for a node the coordinator routes away from (its breaker is open); default: every live node. */
  readonly usable?: (node: WorkerNode) => boolean;
  readonly log: Logger;
}

/**
 * One Scatter call: fans items out over the live mappers, never more than `maxConcurrency`
 * attempts in flight (the seed's semaphore; hedges and retries take permits first), each new
 * attempt on the mapper with the fewest scatter attempts per slot. Per-attempt timeouts, hedging
 * on another node after `hedgeAfterMs` (first successful answer wins, the other is cancelled),
 * and an early end at `minSuccesses` all happen here; the mappers only run and cancel attempts.
 * Responses (item results, then the summary) come out of {@link ScatterRun.responses}.
 */
export class ScatterRun {
  private readonly items: Item[];
  private readonly attempts = new Map<number, Attempt>();
  private readonly links = new Map<string, ScatterLink>();
  private readonly priority: Priority[] = [];
  private readonly out = new BatchQueue<ScatterResponse>();
  private readonly startedMs = Date.now();
  private nextFresh = 0;
  private nextId = 1;
  private inFlight = 0;
  private finished = false;
  private readonly counts = { succeeded: 0, failed: 0, timedOut: 0, hedged: 0, completed: 0 };
  private readonly tracing = new ScatterTracing();

  constructor(
    private readonly plan: ScatterPlan,
    private readonly deps: ScatterRunDeps,
  ) {
    this.items = plan.inputsJson.map((_, index) => ({
      index, done: false, started: 0, lost: 0, firstDispatchMs: 0, hedged: false, hedgeTimer: undefined, running: new Set(),
    }));
    this.pump();
  }

  /**
   * Item results as they complete, then the summary; ends when the run finishes. Items completed
   * together leave as one `items` message (at most {@link maxItemsPerMessage}), a lone one as `item`.
   */
  async *responses(): AsyncGenerator<ScatterResponse> {
    for await (const batch of this.out.batches()) {
      let items: ItemResult[] = [];
      for (const response of batch) {
        if (response.kind.case === 'item') {
          items.push(response.kind.value);
          if (items.length < maxItemsPerMessage) continue;
        }
        if (items.length > 0) yield itemsMessage(items);
        items = [];
        if (response.kind.case !== 'item') yield response;
      }
      if (items.length > 0) yield itemsMessage(items);
    }
  }

  /** Places waiting items again: call it when nodes joined, left or became usable. */
  nudge(): void {
    this.pump();
  }

  /** Stops everything (the caller went away or its deadline passed). Idempotent. */
  abort(): void {
    this.finish(false);
  }

  private pump(): void {
    while (!this.finished && this.inFlight < this.plan.maxConcurrency) {
      if (this.placePriority()) continue;
      if (this.nextFresh >= this.items.length) return;
      const node = this.pickNode(new Set(), false);
      if (!node) return;
      this.dispatch(this.items[this.nextFresh++]!, node);
    }
  }

  /** Places the first waiting hedge or retry that has a node; false when none could be placed. */
  private placePriority(): boolean {
    for (let i = 0; i < this.priority.length; ) {
      const entry = this.priority[i]!;
      if (entry.item.done) {
        this.priority.splice(i, 1);
        continue;
      }
      const node = this.pickNode(entry.avoid, entry.strict);
      if (node) {
        this.priority.splice(i, 1);
        if (entry.strict) {
          entry.item.hedged = true;
          this.counts.hedged += 1;
        }
        this.dispatch(entry.item, node);
        return true;
      }
      i += 1;
    }
    return false;
  }

  private pickNode(avoid: ReadonlySet<string>, strict: boolean): WorkerNode | undefined {
    const usable = this.deps.usable;
    const alive = this.deps.registry.available(NodeRole.MAPPER).filter((node) => usable?.(node) ?? true);
    const preferred = alive.filter((n) => !avoid.has(n.id));
    const candidates = preferred.length > 0 || strict ? preferred : alive;
    let best: WorkerNode | undefined;
    let bestLoad = Infinity;
    for (const node of candidates) {
      const load = (this.deps.load.get(node.id) ?? 0) / node.slots;
      if (load < bestLoad) {
        best = node;
        bestLoad = load;
      }
    }
    return best;
  }

  private dispatch(item: Item, node: WorkerNode): void {
    const link = this.tracing.run(() => this.link(node));
    item.started += 1;
    const { span, carrier } = this.tracing.startAttempt(item.index, item.started, node.id, item.started > 1 && item.hedged);
    const attempt: Attempt = { id: this.nextId++, number: item.started, item, link, timer: undefined, span };
    this.attempts.set(attempt.id, attempt);
    item.running.add(attempt);
    this.inFlight += 1;
    this.deps.load.set(node.id, (this.deps.load.get(node.id) ?? 0) + 1);
    if (item.started === 1) {
      item.firstDispatchMs = Date.now();
      if (this.plan.hedgeAfterMs > 0) item.hedgeTimer = setTimeout(() => this.hedge(item), this.plan.hedgeAfterMs);
    }
    if (this.plan.itemTimeoutMs > 0) attempt.timer = setTimeout(() => this.timeOut(attempt), this.plan.itemTimeoutMs);
    link.start(attempt.id, this.plan.inputsJson[item.index]!, carrier);
  }

  private link(node: WorkerNode): ScatterLink {
    let link = this.links.get(node.id);
    if (!link) {
      const client = this.deps.clients.client(MapperService, node.address);
      link = new ScatterLink(node, client, { function: this.plan.definition.name, paramsJson: this.plan.paramsJson }, {
        onOutcomes: (from, outcomes) => this.onOutcomes(from, outcomes),
        onFailed: (from, error) => this.onLinkFailed(from, error),
      });
      this.links.set(node.id, link);
    }
    return link;
  }

  /** Ends an attempt's bookkeeping and span; `cancel` tells its node to stop it. */
  private endAttempt(attempt: Attempt, cancel: boolean, end: AttemptEnd = { kind: 'cancelled', reason: 'the call ended' }): void {
    if (!this.attempts.delete(attempt.id)) return;
    this.tracing.endAttempt(attempt.span, end);
    clearTimeout(attempt.timer);
    attempt.item.running.delete(attempt);
    this.inFlight -= 1;
    const nodeId = attempt.link.node.id;
    this.deps.load.set(nodeId, Math.max(0, (this.deps.load.get(nodeId) ?? 0) - 1));
    if (cancel) attempt.link.cancel(attempt.id);
  }

  private onOutcomes(link: ScatterLink, outcomes: ScatterItemOutcome[]): void {
    for (const outcome of outcomes) {
      const attempt = this.attempts.get(outcome.id);
      if (!attempt || attempt.link !== link) continue;
      this.endAttempt(attempt, false, outcome.outcome.case === 'valueJson' ? { kind: 'succeeded' } : { kind: 'failed', code: Code[outcome.outcome.value?.code ?? Code.Internal] ?? 'Internal', message: outcome.outcome.value?.message ?? 'attempt ended without an outcome' });
      const { item } = attempt;
      if (item.done) continue;
      if (outcome.outcome.case === 'valueJson') {
        this.complete(item, attempt, { case: 'value', value: fromJson(ValueSchema, JSON.parse(outcome.outcome.value) as JsonValue) });
      } else if (item.running.size === 0) {
        // A failed attempt decides the item only when no other attempt of it is still running.
        const error = outcome.outcome.case === 'error' ? outcome.outcome.value : { code: Code.Internal, message: 'attempt ended without an outcome' };
        // UNAVAILABLE (the worker thread crashed) says nothing about the input: run it again elsewhere.
        if (error.code === Code.Unavailable && item.lost + 1 < maxLostAttempts) {
          item.lost += 1;
          this.priority.push({ item, avoid: new Set([attempt.link.node.id]), strict: false });
          continue;
        }
        this.complete(item, attempt, { case: 'error', value: { code: error.code, message: error.message } });
      }
    }
    this.pump();
  }

  private timeOut(attempt: Attempt): void {
    if (!this.attempts.has(attempt.id)) return;
    this.endAttempt(attempt, true, { kind: 'failed', code: 'DeadlineExceeded', message: `timed out after ${this.plan.itemTimeoutMs} ms` });
    const { item } = attempt;
    if (!item.done && item.running.size === 0) {
      const message = `item ${item.index} exceeded its ${this.plan.itemTimeoutMs} ms timeout (attempt ${attempt.number} on ${attempt.link.node.id})`;
      this.complete(item, attempt, { case: 'error', value: { code: Code.DeadlineExceeded, message } });
    }
    this.pump();
  }

  private hedge(item: Item): void {
    item.hedgeTimer = undefined;
    if (item.done || this.finished) return;
    const avoid = new Set([...item.running].map((a) => a.link.node.id));
    this.priority.push({ item, avoid, strict: true });
    this.pump();
  }

  private onLinkFailed(link: ScatterLink, error: unknown): void {
    if (this.links.get(link.node.id) === link) this.links.delete(link.node.id);
    if (this.finished) return;
    this.deps.log.warn({ err: error, nodeId: link.node.id }, 'scatter stream to a mapper failed; its attempts run elsewhere');
    for (const attempt of [...this.attempts.values()]) {
      if (attempt.link !== link) continue;
      this.endAttempt(attempt, false, { kind: 'failed', code: 'Unavailable', message: `node ${link.node.id} lost: ${error instanceof Error ? error.message : String(error)}` });
      const { item } = attempt;
      if (item.done || item.running.size > 0) continue;
      item.lost += 1;
      if (item.lost < maxLostAttempts) {
        this.priority.push({ item, avoid: new Set([link.node.id]), strict: false });
      } else {
        const message = `item ${item.index} lost its node ${item.lost} times (last: ${link.node.id})`;
        this.complete(item, attempt, { case: 'error', value: { code: Code.Unavailable, message } });
      }
    }
    this.pump();
  }

  private complete(item: Item, attempt: Attempt, outcome: { case: 'value'; value: ReturnType<typeof fromJson<typeof ValueSchema>> } | { case: 'error'; value: { code: number; message: string } }): void {
    item.done = true;
    clearTimeout(item.hedgeTimer);
    for (const other of [...item.running]) this.endAttempt(other, true, { kind: 'cancelled', reason: `attempt ${attempt.number} on ${attempt.link.node.id} answered first` });
    this.counts.completed += 1;
    if (outcome.case === 'value') this.counts.succeeded += 1;
    else if (outcome.value.code === Code.DeadlineExceeded) this.counts.timedOut += 1;
    else this.counts.failed += 1;
    this.out.push(create(ScatterResponseSchema, {
      kind: {
        case: 'item',
        value: {
          index: item.index,
          outcome,
          nodeId: attempt.link.node.id,
          attempt: attempt.number,
          elapsedMs: Math.max(0, Date.now() - item.firstDispatchMs),
          hedged: item.hedged,
        },
      },
    }));
    const { minSuccesses } = this.plan;
    if ((minSuccesses > 0 && this.counts.succeeded >= minSuccesses) || this.counts.completed === this.items.length) this.finish(true);
  }

  private finish(withSummary: boolean): void {
    if (this.finished) return;
    this.finished = true;
    for (const item of this.items) clearTimeout(item.hedgeTimer);
    for (const attempt of [...this.attempts.values()]) this.endAttempt(attempt, false);
    for (const link of this.links.values()) link.close();
    this.links.clear();
    if (withSummary) {
      const { succeeded, failed, timedOut, hedged, completed } = this.counts;
      this.out.push(create(ScatterResponseSchema, {
        kind: { case: 'summary', value: { succeeded, failed, timedOut, hedged, cancelled: this.items.length - completed, wallMs: Date.now() - this.startedMs, traceId: this.tracing.traceId } },
      }));
    }
    this.out.close();
  }
}
