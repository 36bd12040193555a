import type { Value } from '@weft/proto';

/**
 * A decoded result value: an integer that fits a double exactly becomes a `number`, a larger one
 * stays a `bigint` (word counts never need it; sums of squares can), and a JSON value is parsed.
 */
export type ResultValue = number | bigint | unknown;

/** One result record of a job. */
export interface ResultRecord {
  /** The reduce key. */
  readonly key: string;
  /** The reduced value, decoded by `decodeResultValue`. */
  readonly value: ResultValue;
}

/**
 * Decodes a `weft.v1.Value`. Throws a `SyntaxError` if a JSON value is not valid JSON (a server
 * bug worth surfacing rather than hiding as a string).
 */
export function decodeResultValue(value: Value | undefined): ResultValue {
  const kind = value?.kind;
  if (kind === undefined || kind.case === undefined) return undefined;
  if (kind.case === 'int') {
    const n = kind.value;
    // Numbers are what callers compare against in the common case; keep exactness above 2^53.
    return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
  }
  return JSON.parse(kind.value) as unknown;
}
