import type { FunctionDefinition, JobDefinition } from './definitions.js';
import { validateParams } from './params.js';

/**
 * Validates a request's params for a job or function: `validateParams` against its schema (unknown
 * names reported as "is not a parameter of <name>") plus the job's own `validate`.
 * @param field dotted path of the params in the request (default `spec.params`).
 * @throws InvalidArgumentError naming the offending field.
 */
export function prepareParams(def: JobDefinition | FunctionDefinition, input: unknown, field = 'spec.params'): Record<string, unknown> {
  const params = validateParams(def.params, input, field, def.name);
  if (def.kind === 'job') def.validate?.(params);
  return params;
}
