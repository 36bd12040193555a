import type { ValueCodecName } from '@weft/records';
import type { AllowedFetch } from './allowed-fetch.js';
import type { ParamsSchema } from './params.js';

/** What a job's map function sees besides its line. */
export interface MapContext {
  /** Validated parameters, defaults filled in. */
  readonly params: Record<string, unknown>;
  /** Adds `delta` (default 1) to a user counter reported with the task's stats. */
  counter(name: string, delta?: number): void;
  /** Where the input comes from, e.g. `/data/a.txt` or `inline input 0`. */
  readonly inputLabel: string;
}

/** What a job's reduce function sees besides its key and values. */
export interface ReduceContext {
  /** Validated parameters, defaults filled in. */
  readonly params: Record<string, unknown>;
  /** Adds `delta` (default 1) to a user counter reported with the task's stats. */
  counter(name: string, delta?: number): void;
}

/**
 * A map-reduce job. Map runs once per input line and emits (key, value) pairs; values with the
 * same key are folded map-side by `combine` when present, shuffled by key to reducers, and reduced
 * once per distinct key. Map, combine and reduce run on worker threads and must be synchronous.
 */
export interface JobDefinition<V = unknown, R = unknown> {
  readonly kind: 'job';
  /** Unique name callers submit, e.g. `wordcount`. */
  readonly name: string;
  readonly description: string;
  readonly params: ParamsSchema;
  /** Codec of map output values. */
  readonly values: ValueCodecName;
  /** Codec of reduce output values. */
  readonly results: ValueCodecName;
  /**
   * Line transforms chained before `map` inside the same map task (the seed's pipeline pattern: no
   * shuffle between them). Each gets a line and returns the line(s) to pass on: a string, an array
   * of strings, or null/undefined to drop it. A throw fails (or, with skipBadRecords, skips) the
   * input line it came from. Default none.
   */
  readonly stages?: ReadonlyArray<(line: string, ctx: MapContext) => string | readonly string[] | null | undefined>;
  map(line: string, emit: (key: string, value: V) => void, ctx: MapContext): void;
  /**
   * Optional fast path over a whole map task's input (newline-separated UTF-8 bytes in pieces of
   * whole lines, which it must not modify), see {@link MapBytes}. runMapTask uses it instead of `map` only when the job has no
   * `stages` and its `map` and `combine` are still the very functions the path names (so a job
   * spread from another with its own map or combine takes the line path). Default none.
   */
  readonly mapBytes?: MapBytes<V>;
  /** Associative and commutative fold of two map values with the same key, applied map-side. */
  combine?(a: V, b: V): V;
  reduce(key: string, values: V[], ctx: ReduceContext): R;
  /** Extra checks on validated params; throws InvalidArgumentError (e.g. grep's regex must compile). */
  validate?(params: Record<string, unknown>): void;
}

/**
 * A byte-level map path: what running `map` on each line runMapTask cuts from the input and folding
 * with `combine` would give, computed from the bytes directly. If `run` throws, the task reruns on
 * the line path (so errors, skipBadRecords and user counters keep the line path's semantics: use it
 * only for a map that neither throws nor counts).
 */
export interface MapBytes<V> {
  /** The `map` this path reproduces. */
  map(line: string, emit: (key: string, value: V) => void, ctx: MapContext): void;
  /** The `combine` its values are folded with. */
  combine(a: V, b: V): V;
  /** The number of lines and the distinct keys (each once) with their folded values, over all the pieces. */
  run(input: InputPieces, ctx: MapContext): { lines: number; keys: readonly string[]; values: readonly V[] };
  /**
   * Optional: `run`'s result already partitioned and sorted, which lets a path that keeps state
   * across tasks (e.g. a thread's table of keys already seen) sort each key once per thread rather
   * than once per task. Part `p` must hold exactly the keys with `partitionOf(key, partitions) === p`,
   * each once, well-formed, in run order (UTF-16 code units), with their folded values. Keys come
   * as strings (RunWriter checks their order) or as their UTF-8 bytes (written as they are, order
   * NOT checked: the path must get it right). Preferred over `run` when present; if it throws, the
   * task reruns on the line path.
   */
  runSorted?(input: InputPieces, ctx: MapContext, partitions: number): { lines: number; partitions: readonly SortedPart<V>[] };
}

/**
 * A map task's input, newline-separated UTF-8, as pieces of whole lines: every piece ends with
 * '\n' except perhaps the input's very last, so no line (and no character) spans two pieces. A
 * piece may be a view of a buffer that is refilled for the next one: use it before taking the
 * next. Iterating again starts again from the first piece (e.g. for a rerun on the line path).
 */
export type InputPieces = Iterable<Uint8Array>;

/** One partition of {@link MapBytes.runSorted}'s result: keys as strings, or as UTF-8 bytes. */
export type SortedPart<V> = { keys: readonly string[]; values: readonly V[] } | { keyBytes: Utf8Keys; values: readonly V[] };

/** Keys as UTF-8: key i is `bytes[starts[i], starts[i] + lengths[i])`; there are `starts.length` keys. */
export interface Utf8Keys {
  readonly bytes: Uint8Array;
  readonly starts: Int32Array;
  readonly lengths: Int32Array;
}

/** What a scatter function's `run` sees besides its input. */
export interface FunctionContext {
  /** Validated parameters, defaults filled in. */
  readonly params: Record<string, unknown>;
  /** Aborted when the item is cancelled or times out. */
  readonly signal: AbortSignal;
  /** GETs a URL, reaching only the hosts on the node's allow-list (redirects included). */
  readonly fetch?: AllowedFetch;
}

/** A scatter-gather function: one call per input item. */
export interface FunctionDefinition<I = unknown, O = unknown> {
  readonly kind: 'function';
  readonly name: string;
  readonly description: string;
  readonly params: ParamsSchema;
  /** `cpu`: runs on the worker-thread pool; `io`: runs on the event loop behind a bulkhead. */
  readonly executor: 'cpu' | 'io';
  /**
   * True when running an item twice is harmless (no side effect beyond its answer). Then an
   * attempt that timed out (DEADLINE_EXCEEDED) is retried like one whose node failed; otherwise
   * only UNAVAILABLE and RESOURCE_EXHAUSTED are. Default false.
   */
  readonly idempotent?: boolean;
  /**
   * Runs one item. `ctx.fetch` is the node's allow-listed fetch (`io` functions on a node get it;
   * without it, `http-get` reaches loopback only).
   */
  run(input: I, ctx: FunctionContext): O | Promise<O>;
}

const codecNames: readonly string[] = ['int', 'bigint', 'json'];

/**
 * Declares a map-reduce job (export it from a function module to register it).
 * @throws TypeError when the name is empty, a codec is unknown, or map/reduce are not functions.
 */
export function defineJob<V, R>(def: Omit<JobDefinition<V, R>, 'kind'>): JobDefinition<V, R> {
  checkCommon(def, 'job');
  for (const field of ['values', 'results'] as const) {
    if (!codecNames.includes(def[field])) {
      throw new TypeError(`job ${def.name}: ${field} must be one of int, bigint, json, got ${JSON.stringify(def[field])}`);
    }
  }
  if (typeof def.map !== 'function' || typeof def.reduce !== 'function') {
    throw new TypeError(`job ${def.name}: map and reduce must be functions`);
  }
  if (def.stages !== undefined && (!Array.isArray(def.stages) || def.stages.some((stage) => typeof stage !== 'function'))) {
    throw new TypeError(`job ${def.name}: stages must be an array of functions`);
  }
  return Object.freeze({ ...def, kind: 'job' as const });
}

/**
 * Declares a scatter-gather function (export it from a function module to register it).
 * @throws TypeError when the name is empty, the executor is unknown, or run is not a function.
 */
export function defineFunction<I, O>(def: Omit<FunctionDefinition<I, O>, 'kind'>): FunctionDefinition<I, O> {
  checkCommon(def, 'function');
  if (def.executor !== 'cpu' && def.executor !== 'io') {
    throw new TypeError(`function ${def.name}: executor must be "cpu" or "io", got ${JSON.stringify(def.executor)}`);
  }
  if (typeof def.run !== 'function') throw new TypeError(`function ${def.name}: run must be a function`);
  if (def.idempotent !== undefined && typeof def.idempotent !== 'boolean') {
    throw new TypeError(`function ${def.name}: idempotent must be a boolean, got ${JSON.stringify(def.idempotent)}`);
  }
  return Object.freeze({ ...def, kind: 'function' as const });
}

function checkCommon(def: { name: string; params: ParamsSchema }, what: string): void {
  if (typeof def.name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(def.name)) {
    throw new TypeError(`${what} name must be letters, digits, '.', '_' or '-', got ${JSON.stringify(def.name)}`);
  }
  if (typeof def.params !== 'object' || def.params === null) throw new TypeError(`${what} ${def.name}: params must be an object`);
}

/** True when `value` looks like a job definition (checked by shape, so it works across package copies). */
export function isJobDefinition(value: unknown): value is JobDefinition {
  return isDefinition(value) && value.kind === 'job';
}

/** True when `value` looks like a function definition. */
export function isFunctionDefinition(value: unknown): value is FunctionDefinition {
  return isDefinition(value) && value.kind === 'function';
}

function isDefinition(value: unknown): value is { kind: unknown; name: string } {
  return typeof value === 'object' && value !== null && typeof (value as { name?: unknown }).name === 'string'
    && ((value as { kind?: unknown }).kind === 'job' || (value as { kind?: unknown }).kind === 'function');
}
