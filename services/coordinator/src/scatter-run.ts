import { create, fromJson, type JsonValue } from '@bufbuild/protobuf';
import { ValueSchema } from '@bufbuild/protobuf/wkt';
import { Code, ConnectError } from '@connectrpc/connect';
import { NodeRole, ScatterResponseSchema, type ItemResult, type ScatterResponse } from '@weft/proto';
import { MapperService, type ScatterItemOutcome } from '@weft/proto/cluster';
import { BatchQueue, codeOf, type ClientFactory } from '@weft/rpc';
import type { Logger } from '@weft/telemetry';
import type { Span } from '@opentelemetry/api';
import { bulkhead, isBulkheadRejectedError, type BulkheadPolicy, type RetryPolicy } from 'cockatiel';
import { NodePolicies } from './node-policies.js';
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

const noNodes: ReadonlySet<string> = new Set();

interface Item {
  readonly index: number;
  done: boolean;
  /** Attempts sent to a node so far (the next one's number is this + 1). */
  started: number;
  firstDispatchMs: number;
  hedged: boolean;
  hedgeTimer: NodeJS.Timeout | undefined;
  /** Attempts sent and not yet ended. */
  readonly running: Set<Attempt>;
  /** Executions (the item's own with its retries, a hedge) not yet ended: a failure decides the item only when it ends the last one. */
  executions: number;
  /** Nodes where an attempt of it failed: its retries go elsewhere when they can. */
  readonly failedOn: Set<string>;
  /** The last attempt sent, for the item's result. */
  last: Attempt | undefined;
}

/** How one attempt ended, as its execution sees it (a failure is thrown as a ConnectError). */
type AttemptResult = { readonly kind: 'value'; readonly valueJson: string; readonly attempt: Attempt } | { readonly kind: 'cancelled' };

interface Attempt {
  readonly id: number;
  readonly item: Item;
  /** Nodes it must (strict: a hedge) or should (a retry) not run on. */
  readonly avoid: ReadonlySet<string>;
  readonly strict: boolean;
  /** Its number among the item's attempts, once sent. */
  number: number;
  /** The batch it was placed in. */
  batch: Batch | undefined;
  sent: boolean;
  ended: boolean;
  span: Span | undefined;
  readonly resolve: (result: AttemptResult) => void;
  readonly reject: (error: unknown) => void;
}

/** Attempts sent to one node together: they hold one slot of its bulkhead until all have ended. */
interface Batch {
  readonly node: WorkerNode;
  readonly attempts: Attempt[];
  started: boolean;
  link: ScatterLink | undefined;
  /** Sent attempts not yet ended. */
  open: number;
  /** Set when its stream broke: the batch then ends with this error, which its node's breaker counts. */
  failure: unknown;
  /** Ends the batch's execution: normally, or with `failure`. */
  settle: ((error?: unknown) => void) | undefined;
}

/** What a scatter run needs from the coordinator. */
export interface ScatterRunDeps {
  readonly registry: WorkerRegistry;
  readonly clients: ClientFactory;
  /** The per-node policies (bulkhead, breaker, timeout, retry) every batch and retry goes through. */
  readonly policies: NodePolicies;
  /** Scatter attempts placed per node id, shared by every call so concurrent calls spread out. */
  readonly load: Map<string, number>;
  readonly log: Logger;
}

/**
 * One Scatter call. At most `maxConcurrency` items are in flight (a cockatiel bulkhead of that
 * size; waiting hedges go before fresh items). Each item's execution is a cockatiel retry
 * (retryable codes only, backoff with jitter; DEADLINE_EXCEEDED only when the function is declared
 * idempotent) of attempts, each on the least-loaded usable mapper (fewest scatter attempts per
 * slot; retries prefer nodes where the item has not failed). Attempts bound for one node leave
 * together as a batch that runs under the node's policies ({@link NodePolicies.runBatch}): it holds
 * one slot of the node's bulkhead until all its attempts have ended (at most one batch of a call
 * waits in a node's queue, collecting attempts until it gets a slot; a full bulkhead rejects it,
 * counted and announced, and its attempts go elsewhere or wait), fails fast while the node's
 * breaker is open (nodes whose breaker is not closed get nothing; a batch whose stream breaks
 * counts against the breaker), and times its attempts out after `itemTimeoutMs`. Hedging on
 * another node after `hedgeAfterMs` (first success wins, the other attempt is cancelled) and the
 * early end at `minSuccesses` happen here too; the mappers only run and cancel attempts.
 * Responses (item results, then the summary) come out of {@link ScatterRun.responses}.
 */
export class ScatterRun {
  private readonly items: Item[];
  /** Attempts sent, by id. */
  private readonly sent = new Map<number, Attempt>();
  /** Attempts waiting for a node. */
  private unplaced: Attempt[] = [];
  /** This call's batch handed to a node's policies and not yet sent (waiting in its bulkhead queue), by node id: at most one each. */
  private readonly waiting = new Map<string, Batch>();
  /** Nodes whose bulkhead rejected a batch of this call, skipped until a slot frees somewhere. */
  private readonly full = new Set<string>();
  private readonly links = new Map<string, ScatterLink>();
  private readonly hedges: Item[] = [];
  private readonly permits: BulkheadPolicy;
  private readonly retry: RetryPolicy;
  private readonly stop = new AbortController();
  private readonly out = new BatchQueue<ScatterResponse>();
  private readonly startedMs = Date.now();
  private nextFresh = 0;
  private nextId = 1;
  private scheduled = false;
  private finished = false;
  private readonly counts = { succeeded: 0, failed: 0, timedOut: 0, hedged: 0, completed: 0 };
  private readonly tracing = new ScatterTracing();

  constructor(
    private readonly plan: ScatterPlan,
    private readonly deps: ScatterRunDeps,
  ) {
    this.items = plan.inputsJson.map((_, index) => ({
      index, done: false, started: 0, firstDispatchMs: 0, hedged: false, hedgeTimer: undefined, running: new Set(),
      executions: 0, failedOn: new Set(), last: undefined,
    }));
    this.permits = bulkhead(plan.maxConcurrency, 0);
    this.retry = deps.policies.retryPolicy(plan.definition.idempotent === true);
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

  /** Places waiting attempts again: call it when nodes joined, left, freed a slot or became usable. */
  nudge(): void {
    this.full.clear();
    this.schedule();
  }

  /** Stops everything (the caller went away or its deadline passed). Idempotent. */
  abort(): void {
    this.finish(false);
  }

  /** Starts executions while permits are free: waiting hedges first, then fresh items; then places their attempts. */
  private pump(): void {
    while (!this.finished && this.permits.executionSlots > 0) {
      const hedge = this.hedges.shift();
      if (hedge) {
        if (!hedge.done) this.startHedge(hedge);
        continue;
      }
      if (this.nextFresh >= this.items.length) break;
      this.startItem(this.items[this.nextFresh++]!);
    }
    this.place();
  }

  /** An item's own execution: a permit, then attempts under the retry policy, each preferring nodes where none failed. */
  private startItem(item: Item): void {
    item.executions += 1;
    const execution = this.permits.execute(() =>
      this.retry.execute(({ attempt }) => this.attempt(item, attempt === 0 ? noNodes : new Set(item.failedOn), false), this.stop.signal));
    this.follow(item, execution);
  }

  /** A hedge: a permit and one attempt on a node none of the item's running attempts is on. */
  private startHedge(item: Item): void {
    const avoid = new Set([...item.running].map((a) => a.batch!.node.id));
    item.hedged = true;
    this.counts.hedged += 1;
    item.executions += 1;
    this.follow(item, this.permits.execute(() => this.attempt(item, avoid, true)));
  }

  private follow(item: Item, execution: Promise<AttemptResult>): void {
    execution.then(
      (result) => {
        item.executions -= 1;
        if (result.kind === 'value' && !item.done && !this.finished) {
          this.complete(item, result.attempt, { case: 'value', value: fromJson(ValueSchema, JSON.parse(result.valueJson) as JsonValue) });
        }
        this.schedule();
      },
      (error: unknown) => {
        item.executions -= 1;
        // A failed execution decides the item only when no other one of it is still going.
        if (!item.done && !this.finished && item.executions === 0) {
          const code = codeOf(error) ?? Code.Internal;
          const message = error instanceof ConnectError ? error.rawMessage : error instanceof Error ? error.message : String(error);
          this.complete(item, item.last, { case: 'error', value: { code, message } });
        }
        this.schedule();
      },
    );
  }

  /** One attempt of `item`: waits for a node, runs there, and resolves with its value or throws its failure. */
  private attempt(item: Item, avoid: ReadonlySet<string>, strict: boolean): Promise<AttemptResult> {
    if (item.done || this.finished) return Promise.resolve({ kind: 'cancelled' });
    return new Promise<AttemptResult>((resolve, reject) => {
      this.unplaced.push({ id: this.nextId++, item, avoid, strict, number: 0, batch: undefined, sent: false, ended: false, span: undefined, resolve, reject });
      this.schedule();
    });
  }

  /**
   * Pumps once everything that is ready has run: the outcomes of one message from a mapper all
   * free their permits before new attempts are placed, so they leave as one batch, not many.
   */
  private schedule(): void {
    if (this.scheduled || this.finished) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  /**
   * Gives each waiting attempt to the least-loaded usable mapper it may run on (scatter attempts
   * per slot, every call's counted), then hands each node its share as one batch: appended to this
   * call's batch still waiting for a slot there, or a new one, which runs at once if the node's
   * bulkhead has a free slot and waits in its queue otherwise (or is rejected: the node is then
   * skipped until a slot frees somewhere, and the attempts are placed again).
   */
  private place(): void {
    this.unplaced = this.unplaced.filter((a) => !a.ended && !this.droppedIfDone(a));
    if (this.finished || this.unplaced.length === 0) return;
    const { policies } = this.deps;
    const usable = this.deps.registry.available(NodeRole.MAPPER).filter((node) => policies.isUsable(node));
    const targets = usable.filter((node) => !this.full.has(node.id));
    if (targets.length === 0) return;
    const shares = new Map<WorkerNode, Attempt[]>();
    const rest: Attempt[] = [];
    for (const attempt of this.unplaced) {
      let best: WorkerNode | undefined;
      let bestLoad = Infinity;
      for (const node of targets) {
        if (!this.mayRunOn(attempt, node, usable)) continue;
        const load = ((this.deps.load.get(node.id) ?? 0) + (shares.get(node)?.length ?? 0)) / node.slots;
        if (load < bestLoad) {
          best = node;
          bestLoad = load;
        }
      }
      if (!best) rest.push(attempt);
      else if (shares.has(best)) shares.get(best)!.push(attempt);
      else shares.set(best, [attempt]);
    }
    this.unplaced = rest;
    for (const [node, attempts] of shares) {
      const waiting = this.waiting.get(node.id);
      if (waiting) this.assign(waiting, attempts);
      else this.runBatch(node, attempts);
    }
  }

  /** Ends an attempt not yet sent whose item another attempt has already decided; true if it did. */
  private droppedIfDone(attempt: Attempt): boolean {
    if (!attempt.item.done) return false;
    this.end(attempt, { kind: 'cancelled', reason: 'another attempt decided the item' }, { result: { kind: 'cancelled' } });
    return true;
  }

  /** A hedge never runs beside its item's other attempts; a retry avoids failed nodes unless only those are usable. */
  private mayRunOn(attempt: Attempt, node: WorkerNode, usable: readonly WorkerNode[]): boolean {
    if (attempt.avoid.size === 0 || !attempt.avoid.has(node.id)) return true;
    return !attempt.strict && usable.every((n) => attempt.avoid.has(n.id));
  }

  private assign(batch: Batch, attempts: Attempt[]): void {
    for (const attempt of attempts) {
      attempt.batch = batch;
      batch.attempts.push(attempt);
    }
    this.deps.load.set(batch.node.id, (this.deps.load.get(batch.node.id) ?? 0) + attempts.length);
  }

  /** Runs a batch under its node's policies (sent at once when a slot is free). */
  private runBatch(node: WorkerNode, attempts: Attempt[]): void {
    const batch: Batch = { node, attempts: [], started: false, link: undefined, open: 0, failure: undefined, settle: undefined };
    this.assign(batch, attempts);
    this.waiting.set(node.id, batch);
    this.deps.policies
      .runBatch(node, { timeoutMs: this.plan.itemTimeoutMs, signal: this.stop.signal }, (signal) => this.send(batch, signal))
      .catch((error: unknown) => this.batchFailed(batch, error));
  }

  /** The batch got its slot: sends its attempts and settles when all of them have ended (or the stream broke). */
  private send(batch: Batch, signal: AbortSignal): Promise<void> {
    if (this.waiting.get(batch.node.id) === batch) this.waiting.delete(batch.node.id);
    batch.started = true;
    const live = batch.attempts.filter((a) => !a.ended && !this.droppedIfDone(a));
    if (live.length === 0 || this.finished) return Promise.resolve();
    const { node } = batch;
    const link = this.tracing.run(() => this.link(node));
    batch.link = link;
    return new Promise<void>((resolve, reject) => {
      batch.settle = (error) => {
        batch.settle = undefined;
        signal.removeEventListener('abort', onTimeout);
        if (error === undefined) resolve();
        else reject(error);
      };
      // The signal aborts on the per-attempt timeout, or when the call ends.
      const onTimeout = (): void => this.timeOut(batch);
      signal.addEventListener('abort', onTimeout, { once: true });
      const now = Date.now();
      for (const attempt of live) {
        const { item } = attempt;
        item.started += 1;
        attempt.number = item.started;
        attempt.sent = true;
        item.running.add(attempt);
        item.last = attempt;
        const { span, carrier } = this.tracing.startAttempt(item.index, item.started, node.id, attempt.strict);
        attempt.span = span;
        this.sent.set(attempt.id, attempt);
        batch.open += 1;
        if (item.started === 1) {
          item.firstDispatchMs = now;
          if (this.plan.hedgeAfterMs > 0) item.hedgeTimer = setTimeout(() => this.hedge(item), this.plan.hedgeAfterMs);
        }
        link.start(attempt.id, this.plan.inputsJson[item.index]!, carrier);
      }
    });
  }

  /** The batch never ran (bulkhead full, breaker open, call over) or its stream broke after it was sent. */
  private batchFailed(batch: Batch, error: unknown): void {
    if (this.waiting.get(batch.node.id) === batch) this.waiting.delete(batch.node.id);
    if (batch.started || this.finished) return;
    if (isBulkheadRejectedError(error)) {
      this.full.add(batch.node.id);
      this.tracing.event('bulkhead rejected', { 'weft.node.id': batch.node.id, 'weft.scatter.items': batch.attempts.length });
    } else if (NodePolicies.isBreakerOpen(error)) {
      this.tracing.event('breaker open', { 'weft.node.id': batch.node.id, 'weft.scatter.items': batch.attempts.length });
    }
    // Not sent: its attempts wait for another place.
    const back = batch.attempts.filter((a) => !a.ended);
    this.deps.load.set(batch.node.id, Math.max(0, (this.deps.load.get(batch.node.id) ?? 0) - back.length));
    for (const attempt of back) attempt.batch = undefined;
    this.unplaced.push(...back);
    this.schedule();
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

  /**
   * Ends an attempt: its span, its place in its batch (the batch settles with its last attempt),
   * and its execution (`result`, or the failure thrown to the retry policy). `cancel` tells its
   * node to stop it.
   */
  private end(attempt: Attempt, end: AttemptEnd, outcome: { result: AttemptResult } | { error: unknown }, cancel = false): void {
    if (attempt.ended) return;
    attempt.ended = true;
    const { batch, item } = attempt;
    if (batch) this.deps.load.set(batch.node.id, Math.max(0, (this.deps.load.get(batch.node.id) ?? 0) - 1));
    if (attempt.sent) {
      this.sent.delete(attempt.id);
      item.running.delete(attempt);
      if (attempt.span) this.tracing.endAttempt(attempt.span, end);
      if (cancel) batch!.link!.cancel(attempt.id);
      batch!.open -= 1;
      if (batch!.open === 0) batch!.settle?.(batch!.failure);
    }
    if ('error' in outcome) {
      if (batch && attempt.sent) item.failedOn.add(batch.node.id);
      attempt.reject(outcome.error);
    } else {
      attempt.resolve(outcome.result);
    }
  }

  private onOutcomes(link: ScatterLink, outcomes: ScatterItemOutcome[]): void {
    for (const outcome of outcomes) {
      const attempt = this.sent.get(outcome.id);
      if (!attempt || attempt.batch!.link !== link) continue;
      if (outcome.outcome.case === 'valueJson') {
        this.end(attempt, { kind: 'succeeded' }, { result: { kind: 'value', valueJson: outcome.outcome.value, attempt } });
      } else {
        const error = outcome.outcome.case === 'error' ? outcome.outcome.value : { code: Code.Internal, message: 'attempt ended without an outcome' };
        // Thrown to the item's retry policy: retried only for a retryable code (UNAVAILABLE: its worker thread crashed).
        this.end(attempt, { kind: 'failed', code: Code[error.code] ?? 'Internal', message: error.message }, { error: new ConnectError(error.message, error.code as Code) });
      }
    }
  }

  /** The batch's attempts are past their time: each still running is cancelled and fails with DEADLINE_EXCEEDED. */
  private timeOut(batch: Batch): void {
    if (this.finished || !batch.settle) return;
    for (const attempt of batch.attempts) {
      if (!attempt.sent || attempt.ended) continue;
      const message = `item ${attempt.item.index} exceeded its ${this.plan.itemTimeoutMs} ms timeout (attempt ${attempt.number} on ${batch.node.id})`;
      this.end(attempt, { kind: 'failed', code: 'DeadlineExceeded', message: `timed out after ${this.plan.itemTimeoutMs} ms` }, { error: new ConnectError(message, Code.DeadlineExceeded) }, true);
    }
  }

  private hedge(item: Item): void {
    item.hedgeTimer = undefined;
    if (item.done || this.finished || item.running.size === 0) return;
    this.hedges.push(item);
    this.pump();
  }

  /** The stream to a node broke: its batches fail (the node's breaker counts them) and their attempts fail as UNAVAILABLE, to be retried elsewhere. */
  private onLinkFailed(link: ScatterLink, error: unknown): void {
    if (this.links.get(link.node.id) === link) this.links.delete(link.node.id);
    if (this.finished) return;
    this.deps.log.warn({ err: error, nodeId: link.node.id }, 'scatter stream to a mapper failed; its attempts are retried elsewhere');
    const reason = error instanceof Error ? error.message : String(error);
    const code = codeOf(error);
    const failure = new ConnectError(`node ${link.node.id} lost: ${reason}`, code === undefined || code === Code.Canceled ? Code.Unavailable : code);
    this.tracing.event('node stream failed', { 'weft.node.id': link.node.id, 'weft.error.code': Code[failure.code] ?? 'Unavailable' });
    const broken = [...this.sent.values()].filter((attempt) => attempt.batch!.link === link);
    // Each batch on the stream fails with its error (a node fault for the breaker), not as a normal end.
    for (const attempt of broken) attempt.batch!.failure = failure;
    for (const attempt of broken) this.end(attempt, { kind: 'failed', code: Code[failure.code] ?? 'Unavailable', message: failure.rawMessage }, { error: failure });
  }

  private complete(item: Item, attempt: Attempt | undefined, outcome: { case: 'value'; value: ReturnType<typeof fromJson<typeof ValueSchema>> } | { case: 'error'; value: { code: number; message: string } }): void {
    item.done = true;
    clearTimeout(item.hedgeTimer);
    const from = attempt ? `attempt ${attempt.number} on ${attempt.batch?.node.id ?? 'no node'}` : 'another attempt';
    for (const other of [...item.running]) this.end(other, { kind: 'cancelled', reason: `${from} answered first` }, { result: { kind: 'cancelled' } }, true);
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
          nodeId: attempt?.batch?.node.id ?? '',
          attempt: attempt?.number ?? 0,
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
    // Links close below: the mappers cancel whatever still runs there.
    const unsent = [...this.waiting.values()].flatMap((batch) => batch.attempts);
    for (const attempt of [...this.sent.values(), ...this.unplaced, ...unsent]) this.end(attempt, { kind: 'cancelled', reason: 'the call ended' }, { result: { kind: 'cancelled' } });
    this.unplaced = [];
    this.stop.abort();
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
