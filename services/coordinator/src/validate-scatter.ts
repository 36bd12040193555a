import { toJson } from '@bufbuild/protobuf';
import { ValueSchema } from '@bufbuild/protobuf/wkt';
import { InvalidArgumentError } from '@weft/errors';
import { prepareParams, type FunctionDefinition, type FunctionRegistry } from '@weft/jobs';
import type { ScatterRequest } from '@weft/proto';

/** Most items one Scatter call may carry. */
export const maxScatterItems = 1_000_000;
/** Longest per-item timeout or hedge delay, in milliseconds (24 h). */
export const maxScatterDelayMs = 86_400_000;

/** A Scatter request after validation: what a scatter run needs. */
export interface ScatterPlan {
  readonly definition: FunctionDefinition;
  /** Validated params, defaults filled in, as JSON. */
  readonly paramsJson: string;
  /** Each item's input as JSON, by index. */
  readonly inputsJson: readonly string[];
  readonly maxConcurrency: number;
  /** 0 = no per-item limit. */
  readonly itemTimeoutMs: number;
  /** 0 = all items. */
  readonly minSuccesses: number;
  /** 0 = no hedging. */
  readonly hedgeAfterMs: number;
}

/**
 * Checks a Scatter request completely before any item runs, in a fixed order. Throws
 * FunctionNotFoundError for an unknown function and InvalidArgumentError naming the field for
 * anything else (`max_concurrency must be at least 1, got 0`).
 */
export function validateScatterRequest(request: ScatterRequest, functions: FunctionRegistry): ScatterPlan {
  if (!request.function) throw new InvalidArgumentError('function', 'must name a registered scatter function');
  const definition = functions.getFunction(request.function);
  const params = prepareParams(definition, request.params ?? {}, 'params');
  const n = request.inputs.length;
  if (n === 0) throw new InvalidArgumentError('inputs', 'must contain at least one input');
  if (n > maxScatterItems) throw new InvalidArgumentError('inputs', `must contain at most ${maxScatterItems} inputs, got ${n}`);
  if (request.maxConcurrency < 1) throw new InvalidArgumentError('max_concurrency', `must be at least 1, got ${request.maxConcurrency}`);
  for (const [field, value] of [['item_timeout_ms', request.itemTimeoutMs], ['hedge_after_ms', request.hedgeAfterMs]] as const) {
    if (value > maxScatterDelayMs) throw new InvalidArgumentError(field, `must be at most ${maxScatterDelayMs} (24 h), got ${value}`);
  }
  if (request.hedgeAfterMs > 0 && request.itemTimeoutMs > 0 && request.hedgeAfterMs >= request.itemTimeoutMs) {
    throw new InvalidArgumentError('hedge_after_ms', `must be less than item_timeout_ms (${request.itemTimeoutMs}), got ${request.hedgeAfterMs}`);
  }
  if (request.minSuccesses > n) {
    throw new InvalidArgumentError('min_successes', `must be at most the number of inputs (${n}), got ${request.minSuccesses}`);
  }
  return {
    definition,
    paramsJson: JSON.stringify(params),
    inputsJson: request.inputs.map((value) => JSON.stringify(toJson(ValueSchema, value))),
    maxConcurrency: request.maxConcurrency,
    itemTimeoutMs: request.itemTimeoutMs,
    minSuccesses: request.minSuccesses,
    hedgeAfterMs: request.hedgeAfterMs,
  };
}
