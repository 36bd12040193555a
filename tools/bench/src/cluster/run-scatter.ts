import type { ScatterInit, WeftClient } from '@weft/client';

/** What one Scatter call gave. */
export interface ScatterOutcome {
  /** Value of each item by index (undefined for a failed item). */
  values: unknown[];
  /** Each answered item's `elapsedMs` (first dispatch to answer), in completion order. */
  latenciesMs: number[];
  failed: number;
  /** Call start to the summary, in milliseconds, measured by the caller. */
  wallMs: number;
}

/**
 * Runs one Scatter call to its summary and collects every item's value and latency.
 * @throws Error when the stream ends without a summary; ConnectError when the call fails
 */
export async function runScatter(client: WeftClient, init: ScatterInit): Promise<ScatterOutcome> {
  const values: unknown[] = new Array(init.inputs.length);
  const latenciesMs: number[] = [];
  let failed = 0;
  const started = performance.now();
  for await (const event of client.scatter(init)) {
    if (event.type === 'summary') return { values, latenciesMs, failed, wallMs: performance.now() - started };
    latenciesMs.push(event.elapsedMs);
    if (event.ok) values[event.index] = event.value;
    else failed += 1;
  }
  throw new Error(`the Scatter stream of ${init.function} ended without a summary`);
}
