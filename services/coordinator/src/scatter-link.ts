import type { MessageInitShape } from '@bufbuild/protobuf';
import type { Client } from '@connectrpc/connect';
import type { MapperService, RunScatterItemsRequestSchema, ScatterItemOutcome } from '@weft/proto/cluster';
import { BatchQueue } from '@weft/rpc';
import type { WorkerNode } from './worker-registry.js';

type Request = MessageInitShape<typeof RunScatterItemsRequestSchema>;
type Command = { start: { id: number; inputJson: string; traceparent?: string; tracestate?: string } } | { cancel: number };

/** What a {@link ScatterLink} reports to its scatter run. */
export interface ScatterLinkHandlers {
  /** A batch of attempt outcomes arrived. */
  onOutcomes(link: ScatterLink, outcomes: ScatterItemOutcome[]): void;
  /** The stream broke (node lost, stream error) before the link was closed: its attempts are gone. */
  onFailed(link: ScatterLink, error: unknown): void;
}

/**
 * One scatter call's RunScatterItems stream to one mapper. Starts and cancellations queue up and
 * leave in batches (one message per batch, not per item); outcomes arrive in batches too. The
 * stream is aborted when the node is declared lost or the link is closed.
 */
export class ScatterLink {
  private readonly commands = new BatchQueue<Command>();
  private readonly controller = new AbortController();
  private closed = false;
  private readonly onLost = (): void => this.controller.abort(this.node.lost.signal.reason);

  constructor(
    readonly node: WorkerNode,
    client: Client<typeof MapperService>,
    call: { function: string; paramsJson: string },
    private readonly handlers: ScatterLinkHandlers,
  ) {
    node.lost.signal.addEventListener('abort', this.onLost, { once: true });
    if (node.lost.signal.aborted) this.onLost();
    // pump() never rejects: a failure is reported through handlers.onFailed.
    void this.pump(client, call);
  }

  /** Sends an attempt (with the W3C trace context of its span, when tracing). */
  start(id: number, inputJson: string, trace?: { traceparent: string; tracestate: string }): void {
    this.commands.push({ start: { id, inputJson, ...trace } });
  }

  /** Stops an attempt on the node. */
  cancel(id: number): void {
    this.commands.push({ cancel: id });
  }

  /** Ends the stream now; attempts still running there are cancelled by the mapper. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.commands.close();
    this.controller.abort();
    this.node.lost.signal.removeEventListener('abort', this.onLost);
  }

  private async pump(client: Client<typeof MapperService>, call: { function: string; paramsJson: string }): Promise<void> {
    const commands = this.commands;
    async function* requests(): AsyncGenerator<Request> {
      yield { kind: { case: 'call', value: call } };
      for await (const batch of commands.batches()) {
        const items = batch.flatMap((c) => ('start' in c ? [c.start] : []));
        const ids = batch.flatMap((c) => ('cancel' in c ? [c.cancel] : []));
        if (items.length > 0) yield { kind: { case: 'items', value: { items } } };
        if (ids.length > 0) yield { kind: { case: 'cancel', value: { ids } } };
      }
    }
    try {
      for await (const response of client.runScatterItems(requests(), { signal: this.controller.signal })) {
        if (response.outcomes.length > 0) this.handlers.onOutcomes(this, response.outcomes);
      }
      if (!this.closed) this.handlers.onFailed(this, new Error(`node ${this.node.id} ended the scatter stream early`));
    } catch (error) {
      if (!this.closed) this.handlers.onFailed(this, error);
    } finally {
      this.close();
    }
  }
}
