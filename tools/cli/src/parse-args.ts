import { isAbsolute, resolve } from 'node:path';
import type { JsonObject, JsonValue } from '@bufbuild/protobuf';
import type { InputInit, JobSpecInit } from '@weft/client';
import { UsageError } from './exit-codes.js';

/** Commander `argParser` collecting a repeatable option into an array. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/**
 * Parses a whole number option such as `--limit 10`; `min` is the least value allowed.
 * Throws a `UsageError` naming the option.
 */
export function parseCount(option: string, value: string, min = 0): number {
  if (!/^\d+$/.test(value.trim()) || Number(value) < min) {
    throw new UsageError(`${option} must be an integer >= ${min}, got "${value}"`);
  }
  return Number(value);
}

/**
 * Turns `--param K=V` strings into a params object. V is parsed as JSON when it parses
 * (`n=10` is the number 10, `words=["a","b"]` an array), else kept as a string (`pattern=err.*`).
 * Throws a `UsageError` for a missing `=` or an empty or repeated key.
 */
export function parseParams(pairs: readonly string[]): JsonObject {
  const params: JsonObject = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--param must look like KEY=VALUE, got "${pair}"`);
    const key = pair.slice(0, eq);
    if (key in params) throw new UsageError(`--param ${key} given twice`);
    const raw = pair.slice(eq + 1);
    params[key] = parseJsonOrString(raw);
  }
  return params;
}

function parseJsonOrString(raw: string): JsonValue {
  try {
    return JSON.parse(raw) as JsonValue;
  } catch {
    return raw;
  }
}

/** What `weft submit` collected from its command line. */
export interface SubmitArgs {
  readonly input?: string[];
  readonly text?: string[];
  readonly reducers?: string;
  readonly param?: string[];
  readonly label?: string[];
  readonly maxAttempts?: string;
  readonly skipBadRecords?: boolean;
  readonly idempotencyKey?: string;
  /** A file (or `-` for stdin) streamed as the job's input through UploadJob. */
  readonly upload?: string;
  /** Directory for one part file per reduce partition (made absolute against the working directory). */
  readonly outputDir?: string;
}

/** Turns `--label K=V` strings into labels (values stay strings). Throws a `UsageError` like `parseParams`. */
export function parseLabels(pairs: readonly string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--label must look like KEY=VALUE, got "${pair}"`);
    const key = pair.slice(0, eq);
    if (key in labels) throw new UsageError(`--label ${key} given twice`);
    labels[key] = pair.slice(eq + 1);
  }
  return labels;
}

/**
 * Builds the job spec of `weft submit`. Input paths become absolute against `cwd`, because the
 * mappers read them and do not share the CLI's working directory. Throws a `UsageError` when no
 * input is given, or --reducers / --max-attempts is not a whole number >= 1.
 */
export function buildJobSpec(fn: string, args: SubmitArgs, cwd: string): JobSpecInit {
  const inputs: InputInit[] = [
    ...(args.input ?? []).map((p) => (/^https?:\/\//.test(p) ? { url: p } : { file: isAbsolute(p) ? p : resolve(cwd, p) })),
    ...(args.text?.length ? [{ records: args.text }] : []),
  ];
  if (inputs.length === 0 && args.upload === undefined) throw new UsageError('give at least one --input PATH, --text STRING or --upload PATH');
  return {
    function: fn,
    inputs,
    params: parseParams(args.param ?? []),
    reducers: args.reducers === undefined ? undefined : parseCount('--reducers', args.reducers, 1),
    maxAttempts: args.maxAttempts === undefined ? undefined : parseCount('--max-attempts', args.maxAttempts, 1),
    skipBadRecords: args.skipBadRecords,
    idempotencyKey: args.idempotencyKey,
    labels: parseLabels(args.label ?? []),
    outputDir: args.outputDir === undefined ? undefined : isAbsolute(args.outputDir) ? args.outputDir : resolve(cwd, args.outputDir),
  };
}

/**
 * Parses `weft scatter --inputs`: a JSON array of item inputs. Throws a `UsageError` when it is
 * not valid JSON or not a non-empty array.
 */
export function parseScatterInputs(json: string): JsonValue[] {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new UsageError(`--inputs must be a JSON array, got "${json}"`);
  }
  if (!Array.isArray(value) || value.length === 0) throw new UsageError('--inputs must be a non-empty JSON array');
  return value as JsonValue[];
}
