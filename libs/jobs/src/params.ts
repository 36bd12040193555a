import { InvalidArgumentError } from '@weft/errors';

/** The types a job or function parameter can take. */
export type ParamType = 'string' | 'integer' | 'number' | 'boolean' | 'string[]';

/** One declared parameter of a job or function. */
export interface ParamSpec {
  /** Value type; JSON numbers must be integral for `integer`. */
  type: ParamType;
  /** When true the caller must pass it (default false). */
  required?: boolean;
  /** Value used when the caller omits it (or passes null). Not validated: declare a sensible one. */
  default?: unknown;
  /** One line for `ListFunctions` and the CLI. */
  description: string;
  /** Inclusive lower bound for `integer`/`number`. */
  min?: number;
  /** Inclusive upper bound for `integer`/`number`. */
  max?: number;
}

/** A job's or function's parameters, by name. */
export type ParamsSchema = Record<string, ParamSpec>;

/**
 * Checks caller-supplied parameters against a schema and returns a new object with defaults
 * filled in. `input` is a plain JSON object; undefined or null mean `{}`. Numbers and booleans may
 * also arrive as their text form ("42", "true"), because `--param K=V` on the CLI is text.
 * @param field dotted path of the params object in the request, used in error messages (default `params`).
 * @param owner name of the job or function, used in the unknown-parameter message.
 * @throws InvalidArgumentError naming the offending field, e.g. field `spec.params.pattern`,
 *   message `spec.params.pattern must be a string, got 42`; unknown names are errors too.
 */
export function validateParams(schema: ParamsSchema, input: unknown, field = 'params', owner?: string): Record<string, unknown> {
  if (input === undefined || input === null) input = {};
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw new InvalidArgumentError(field, `must be an object, got ${describe(input)}`);
  }
  const given = input as Record<string, unknown>;
  for (const name of Object.keys(given)) {
    if (!Object.hasOwn(schema, name)) {
      const known = Object.keys(schema);
      const of = owner ? ` of ${owner}` : '';
      const hint = known.length ? ` (known: ${known.join(', ')})` : ' (it takes none)';
      throw new InvalidArgumentError(`${field}.${name}`, `is not a parameter${of}${hint}`);
    }
  }
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(schema)) {
    const raw = given[name];
    if (raw === undefined || raw === null) {
      if (spec.required) throw new InvalidArgumentError(`${field}.${name}`, `is required (${spec.type})`);
      if (spec.default !== undefined) out[name] = spec.default;
      continue;
    }
    out[name] = checkValue(spec, raw, `${field}.${name}`);
  }
  return out;
}

function checkValue(spec: ParamSpec, raw: unknown, field: string): unknown {
  switch (spec.type) {
    case 'string':
      if (typeof raw !== 'string') throw new InvalidArgumentError(field, `must be a string, got ${describe(raw)}`);
      return raw;
    case 'boolean':
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true' || raw === 'false') return raw === 'true';
      throw new InvalidArgumentError(field, `must be a boolean, got ${describe(raw)}`);
    case 'string[]':
      if (!Array.isArray(raw)) throw new InvalidArgumentError(field, `must be an array of strings, got ${describe(raw)}`);
      raw.forEach((item, i) => {
        if (typeof item !== 'string') throw new InvalidArgumentError(`${field}[${i}]`, `must be a string, got ${describe(item)}`);
      });
      return [...(raw as string[])];
    case 'integer':
    case 'number': {
      const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
      const integer = spec.type === 'integer';
      if (typeof value !== 'number' || !Number.isFinite(value) || (integer && !Number.isSafeInteger(value))) {
        throw new InvalidArgumentError(field, `must be ${integer ? 'an integer' : 'a finite number'}, got ${describe(raw)}`);
      }
      checkRange(spec, value, field);
      return value;
    }
  }
}

function checkRange(spec: ParamSpec, value: number, field: string): void {
  const { min, max } = spec;
  if ((min !== undefined && value < min) || (max !== undefined && value > max)) {
    const range = min !== undefined && max !== undefined ? `between ${min} and ${max}` : min !== undefined ? `>= ${min}` : `<= ${max}`;
    throw new InvalidArgumentError(field, `must be ${range}, got ${value}`);
  }
}

/** Short description of a value for error messages: JSON for scalars, the type otherwise. */
function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return String(value);
}
