import { InvalidArgumentError } from '@weft/errors';
import { prepareParams, type FunctionRegistry, type JobDefinition } from '@weft/jobs';
import type { JobSpec } from '@weft/proto';
import { checkInputPath, checkInputUrl, checkOutputDir, defaultInputPolicy, type InputPolicy } from './input-policy.js';
import { resolveFileInput } from './map-planner.js';

/** Most reduce partitions a job may ask for. */
export const maxReducers = 1024;

/** Validates a job's params against its schema (and the job's own checks); returns them with defaults filled in. */
export function jobParams(definition: JobDefinition, params: unknown): Record<string, unknown> {
  return prepareParams(definition, params ?? {}, 'spec.params');
}

/**
 * Checks a submitted JobSpec completely before it is journaled, so an accepted job cannot fail
 * for a reason the caller could have been told at once. Throws FunctionNotFoundError for an
 * unknown function and InvalidArgumentError naming the field (or path) for anything else.
 * File inputs must lie under `policy.roots`, URL hosts be on `policy.urlHosts`. `allowNoInputs`
 * is for UploadJob, whose stream is the input.
 */
export async function validateJobSpec(
  spec: JobSpec,
  functions: FunctionRegistry,
  policy: InputPolicy = defaultInputPolicy,
  options: { allowNoInputs?: boolean } = {},
): Promise<{ definition: JobDefinition; params: Record<string, unknown> }> {
  if (!spec.function) throw new InvalidArgumentError('spec.function', 'must name a registered job');
  const definition = functions.getJob(spec.function);
  const params = jobParams(definition, spec.params);
  if (spec.reducers !== undefined && (spec.reducers < 1 || spec.reducers > maxReducers)) {
    throw new InvalidArgumentError('spec.reducers', `must be between 1 and ${maxReducers}, got ${spec.reducers}`);
  }
  if (spec.maxAttempts > 100) throw new InvalidArgumentError('spec.max_attempts', `must be at most 100, got ${spec.maxAttempts}`);
  if (spec.idempotencyKey.length > 256) throw new InvalidArgumentError('spec.idempotency_key', 'must be at most 256 characters');
  if (spec.inputs.length === 0 && !options.allowNoInputs) throw new InvalidArgumentError('spec.inputs', 'must contain at least one input');
  for (const [index, input] of spec.inputs.entries()) {
    const field = `spec.inputs[${index}]`;
    switch (input.source.case) {
      case 'inline':
        if (input.source.value.records.length === 0) throw new InvalidArgumentError(`${field}.inline.records`, 'must contain at least one record');
        break;
      case 'file':
        for (const file of await resolveFileInput(input.source.value.path, `${field}.file.path`)) {
          await checkInputPath(policy, file, `${field}.file.path`);
        }
        break;
      case 'url':
        checkInputUrl(policy, input.source.value.url, `${field}.url.url`);
        break;
      default:
        throw new InvalidArgumentError(field, 'must set one of inline, file or url');
    }
  }
  if (spec.outputDir) await checkOutputDir(policy, spec.outputDir, 'spec.output_dir');
  return { definition, params };
}
