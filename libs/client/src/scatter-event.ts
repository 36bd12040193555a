import { create, fromJson, toJson } from '@bufbuild/protobuf';
import type { JsonObject, JsonValue } from '@bufbuild/protobuf';
import { ValueSchema } from '@bufbuild/protobuf/wkt';
import type { ItemResult, ScatterRequest, ScatterResponse, ScatterSummary } from '@weft/proto';
import { ScatterRequestSchema } from '@weft/proto';

/** What `WeftClient.scatter` takes: `weft.v1.ScatterRequest` in plain JavaScript values. */
export interface ScatterInit {
  /** Registered scatter function, e.g. "count-primes". */
  readonly function: string;
  /** Parameters shared by every item. */
  readonly params?: JsonObject;
  /** One JSON input per item; an item's index is its position here. */
  readonly inputs: readonly JsonValue[];
  /** Items in flight at once, cluster-wide (at least 1). Default: the number of inputs. */
  readonly maxConcurrency?: number;
  /** Per-attempt time limit in milliseconds; 0 or omitted means none. */
  readonly itemTimeoutMs?: number;
  /** Finish once this many items succeeded; 0 or omitted means all. */
  readonly minSuccesses?: number;
  /** Hedge an item still running after this many milliseconds; 0 or omitted disables hedging. */
  readonly hedgeAfterMs?: number;
}

/** Fields every item outcome carries. */
interface ItemCommon {
  readonly type: 'item';
  /** Position of the item in `inputs`. */
  readonly index: number;
  /** Node whose answer this is. */
  readonly nodeId: string;
  /** Attempt that answered (2 when a hedge won). */
  readonly attempt: number;
  /** Milliseconds from the item's first dispatch to its answer. */
  readonly elapsedMs: number;
  /** True when a hedged attempt was launched. */
  readonly hedged: boolean;
}

/** One event of a scatter stream: an item's outcome, or (last) the summary. */
export type ScatterEvent =
  | (ItemCommon & { readonly ok: true; readonly value: JsonValue })
  | (ItemCommon & { readonly ok: false; readonly error: { readonly code: number; readonly message: string } })
  | { readonly type: 'summary'; readonly summary: ScatterSummary };

/** Converts a `ScatterInit` into the `weft.v1.ScatterRequest` message. */
export function toScatterRequest(init: ScatterInit): ScatterRequest {
  return create(ScatterRequestSchema, {
    function: init.function,
    params: init.params,
    inputs: init.inputs.map((v) => fromJson(ValueSchema, v)),
    maxConcurrency: init.maxConcurrency ?? Math.max(1, init.inputs.length),
    itemTimeoutMs: init.itemTimeoutMs ?? 0,
    minSuccesses: init.minSuccesses ?? 0,
    hedgeAfterMs: init.hedgeAfterMs ?? 0,
  });
}

/**
 * Converts one `weft.v1.ScatterResponse` into its events: one per item result (a batch carries
 * several), or the summary. A message of a kind this client does not know gives none.
 */
export function toScatterEvents(res: ScatterResponse): ScatterEvent[] {
  switch (res.kind.case) {
    case 'summary':
      return [{ type: 'summary', summary: res.kind.value }];
    case 'item':
      return [toItemEvent(res.kind.value)];
    case 'items':
      return res.kind.value.results.map(toItemEvent);
    default:
      return [];
  }
}

function toItemEvent(item: ItemResult): ScatterEvent {
  const common: ItemCommon = {
    type: 'item',
    index: item.index,
    nodeId: item.nodeId,
    attempt: item.attempt,
    elapsedMs: item.elapsedMs,
    hedged: item.hedged,
  };
  if (item.outcome.case === 'value') return { ...common, ok: true, value: toJson(ValueSchema, item.outcome.value) };
  const error = item.outcome.case === 'error' ? item.outcome.value : { code: 2, message: 'item ended without an outcome' };
  return { ...common, ok: false, error: { code: error.code, message: error.message } };
}
