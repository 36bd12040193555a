import type { MessageInitShape } from '@bufbuild/protobuf';
import { Code, type HandlerContext } from '@connectrpc/connect';
import { InvalidArgumentError, isWeftError } from '@weft/errors';
import { invokeFunction, prepareParams, type AllowedFetch, type FunctionDefinition, type FunctionRegistry } from '@weft/jobs';
import type { TaskPool } from '@weft/pool';
import type { RunScatterItemsRequest, RunScatterItemsResponseSchema, ScatterItem, ScatterItemOutcomeSchema } from '@weft/proto/cluster';
import { BatchQueue, codeForKind } from '@weft/rpc';
import type { Logger } from '@weft/telemetry';
import { ScatterItemSpans } from './scatter-item-spans.js';
import type { Semaphore } from './semaphore.js';

type Outcome = MessageInitShape<typeof ScatterItemOutcomeSchema>;

/** Scatter counters the heartbeat reports: the nodes' own view of how many items they hold. */
export class ScatterStats {
  /** Attempts received and not yet answered or cancelled. */
  inFlight = 0;
  /** Most attempts in flight at once since start. */
  peak = 0;
  /** Attempts answered since start. */
  completed = 0;

  /** Counts one attempt in. */
  enter(): void {
    this.inFlight += 1;
    if (this.inFlight > this.peak) this.peak = this.inFlight;
  }

  /** Counts one attempt out; `answered` when an outcome was sent for it. */
  leave(answered: boolean): void {
    this.inFlight -= 1;
    if (answered) this.completed += 1;
  }
}

/** What {@link createScatterItemsHandler} needs. */
export interface ScatterItemsDeps {
  /** The node's pool: `cpu` functions run there. */
  readonly pool: TaskPool;
  /** Functions known on the main thread (built-ins plus configured modules): `io` functions run here. */
  readonly functions: FunctionRegistry;
  /** Caps `io` attempts running at once on this node, across calls. */
  readonly ioSlots: Semaphore;
  /** The node's allow-listed fetch, handed to `io` functions as `ctx.fetch`. */
  readonly fetch: AllowedFetch;
  readonly stats: ScatterStats;
  readonly log: Logger;
}

/**
 * MapperService.RunScatterItems: runs the attempts of one scatter call that the coordinator sends
 * here, `cpu` functions on the worker-thread pool and `io` functions on the event loop behind the
 * node's io bulkhead, and streams outcomes back in batches. A cancelled attempt is aborted (its
 * worker thread is terminated by piscina) and gets no outcome.
 */
export function createScatterItemsHandler(deps: ScatterItemsDeps) {
  const { pool, functions, ioSlots, stats } = deps;
  const spans = new ScatterItemSpans();
  return async function* runScatterItems(requests: AsyncIterable<RunScatterItemsRequest>, ctx: HandlerContext): AsyncGenerator<MessageInitShape<typeof RunScatterItemsResponseSchema>> {
    const iterator = requests[Symbol.asyncIterator]();
    const first = await iterator.next();
    if (first.done || first.value.kind.case !== 'call') throw new InvalidArgumentError('kind', 'of the first RunScatterItems message must be call');
    const def = functions.getFunction(first.value.kind.value.function);
    const params = prepareParams(def, JSON.parse(first.value.kind.value.paramsJson || '{}') as unknown, 'params');

    const outcomes = new BatchQueue<Outcome>();
    const running = new Map<number, AbortController>();
    let inputEnded = false;
    const maybeEnd = (): void => {
      if (inputEnded && running.size === 0) outcomes.close();
    };

    const start = (item: ScatterItem): void => {
      const controller = new AbortController();
      running.set(item.id, controller);
      stats.enter();
      const received = Date.now();
      const span = spans.start(item, def.name, def.executor);
      controller.signal.addEventListener('abort', () => span.cancelled(), { once: true });
      void span.run(() => runOne(def, item, params, controller.signal)).then((outcome) => {
        span.ended(outcome.outcome);
        // A cancelled attempt was already removed and counted out: its outcome is dropped.
        if (running.get(item.id) !== controller) return;
        running.delete(item.id);
        stats.leave(true);
        outcomes.push({ ...outcome, id: item.id, elapsedMs: Date.now() - received });
        maybeEnd();
      });
    };

    const cancel = (id: number): void => {
      const controller = running.get(id);
      if (!controller) return;
      running.delete(id);
      stats.leave(false);
      controller.abort();
      maybeEnd();
    };

    const reader = (async () => {
      try {
        for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
          const { kind } = next.value;
          if (kind.case === 'items') for (const item of kind.value.items) start(item);
          else if (kind.case === 'cancel') for (const id of kind.value.ids) cancel(id);
        }
      } catch {
        // The coordinator went away: the abort below stops what still runs.
      }
      inputEnded = true;
      maybeEnd();
    })();

    const onAbort = (): void => {
      for (const id of [...running.keys()]) cancel(id);
      outcomes.close();
    };
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    try {
      for await (const batch of outcomes.batches()) yield { outcomes: batch };
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
      onAbort();
      await reader;
    }
  };

  async function runOne(def: FunctionDefinition, item: ScatterItem, params: Record<string, unknown>, signal: AbortSignal): Promise<Pick<Outcome & object, 'outcome'>> {
    try {
      const input = JSON.parse(item.inputJson) as unknown;
      let value: unknown;
      if (def.executor === 'cpu') {
        value = await pool.runFunction(def.name, input, params, { signal });
      } else {
        value = await ioSlots.run(() => invokeFunction(def, input, { params, signal, fetch: deps.fetch }), signal);
      }
      return { outcome: { case: 'valueJson', value: JSON.stringify(value ?? null) } };
    } catch (error) {
      const code = isWeftError(error) ? codeForKind(error.kind) : Code.Internal;
      const message = isWeftError(error) ? error.message : `function ${def.name} failed`;
      if (!isWeftError(error)) deps.log.warn({ err: error, function: def.name }, 'scatter item failed unexpectedly');
      return { outcome: { case: 'error', value: { code, message } } };
    }
  }
}
