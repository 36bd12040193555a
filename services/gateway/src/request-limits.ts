import { toJson, type JsonValue } from '@bufbuild/protobuf';
import { ValueSchema } from '@bufbuild/protobuf/wkt';
import { InvalidArgumentError, ResourceExhaustedError } from '@weft/errors';
import { ResultFormat, type JobSpec, type ListJobsRequest, type ReadResultsRequest, type ScatterRequest } from '@weft/proto';

/** Limits on what one request may carry; each is a GATEWAY_MAX_* variable (see the README). */
export interface RequestLimits {
  /** Largest message, in bytes (GATEWAY_MAX_MESSAGE_SIZE); enforced by the server itself. */
  readonly messageBytes: number;
  /** Inline records in one SubmitJob, summed over its inputs (GATEWAY_MAX_INLINE_RECORDS). */
  readonly inlineRecords: number;
  /** Inputs of a job, or items of a scatter (GATEWAY_MAX_INPUTS). */
  readonly inputs: number;
  /** Characters of any string inside params, labels, paths and URLs (GATEWAY_MAX_PARAM_LENGTH). */
  readonly paramLength: number;
  /** Characters of a grep `pattern` (GATEWAY_MAX_REGEX_LENGTH). */
  readonly regexLength: number;
  /** ListJobs page_size (GATEWAY_MAX_PAGE_SIZE). */
  readonly pageSize: number;
  /** ReadResults limit (GATEWAY_MAX_RESULT_LIMIT); 0 (everything, streamed in batches) is allowed. */
  readonly resultLimit: number;
  /** WatchJob streams open at once per caller (GATEWAY_MAX_WATCHES_PER_CALLER). */
  readonly watchesPerCaller: number;
  /** Bytes of input in one UploadJob stream (GATEWAY_MAX_UPLOAD_SIZE). */
  readonly uploadBytes: number;
}

/** Deepest nesting of lists and objects inside params or a scatter input. */
export const maxJsonDepth = 32;
/** Most labels on one job. */
export const maxLabels = 64;

function tooLong(field: string, length: number, limit: number, variable: string): InvalidArgumentError {
  return new InvalidArgumentError(field, `is ${length} characters long; the limit is ${limit} (${variable})`);
}

/** Checks every string inside a JSON value (params, scatter inputs) against the length and depth limits. */
export function checkJson(value: JsonValue | undefined, field: string, limits: RequestLimits, depth = 0): void {
  if (depth > maxJsonDepth) throw new InvalidArgumentError(field, `nests deeper than ${maxJsonDepth} levels`);
  if (typeof value === 'string') {
    if (value.length > limits.paramLength) throw tooLong(field, value.length, limits.paramLength, 'GATEWAY_MAX_PARAM_LENGTH');
  } else if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) checkJson(item, `${field}[${i}]`, limits, depth + 1);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (key.length > limits.paramLength) throw tooLong(`${field} key`, key.length, limits.paramLength, 'GATEWAY_MAX_PARAM_LENGTH');
      checkJson(item, `${field}.${key}`, limits, depth + 1);
    }
  }
}

const repeat = /^(?:[*+]|\{\d*,?\d*\})/;

/**
 * Refuses regular expressions that can backtrack catastrophically in JavaScript's engine: a
 * repeated group that itself holds a quantifier or an alternation (`(a+)+`, `(a|aa)*`, `(\w*)*`),
 * and backreferences. A heuristic, not a proof: SECURITY.md says what it does not catch.
 * @throws InvalidArgumentError naming `field`.
 */
export function checkRegexSafety(pattern: string, field: string, limits: RequestLimits): void {
  if (pattern.length > limits.regexLength) throw tooLong(field, pattern.length, limits.regexLength, 'GATEWAY_MAX_REGEX_LENGTH');
  const unsafe = (): InvalidArgumentError =>
    new InvalidArgumentError(field, 'has a repeated group containing a quantifier or alternation, or a backreference (catastrophic backtracking); rewrite it');
  const groups: { quantified: boolean }[] = [{ quantified: false }];
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      const next = pattern[i + 1] ?? '';
      if (!inClass && (/[1-9]/.test(next) || next === 'k')) throw unsafe();
      i += 1;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === '(') groups.push({ quantified: false });
    else if (c === '|') groups.at(-1)!.quantified = true;
    else if (c === ')' && groups.length > 1) {
      const group = groups.pop()!;
      const rest = pattern.slice(i + 1);
      const repeated = repeat.test(rest);
      if (group.quantified && repeated) throw unsafe();
      if (group.quantified || repeated || rest.startsWith('?')) groups.at(-1)!.quantified = true;
    } else if ((c === '*' || c === '+' || c === '?' || c === '{') && pattern[i - 1] !== '(') {
      groups.at(-1)!.quantified = true;
    }
  }
}

/**
 * Checks a job spec against the limits: input count, inline records, string lengths in params,
 * labels, paths and URLs, and grep's pattern.
 * @throws InvalidArgumentError or ResourceExhaustedError naming the field and the limit's variable.
 */
export function checkJobSpec(spec: JobSpec | undefined, limits: RequestLimits, prefix = 'spec'): void {
  if (!spec) return;
  if (spec.inputs.length > limits.inputs) {
    throw new ResourceExhaustedError(`${prefix}.inputs has ${spec.inputs.length} inputs; the limit is ${limits.inputs} (GATEWAY_MAX_INPUTS)`);
  }
  let records = 0;
  for (const [index, input] of spec.inputs.entries()) {
    const field = `${prefix}.inputs[${index}]`;
    const source = input.source;
    if (source.case === 'inline') records += source.value.records.length;
    else if (source.case === 'file' && source.value.path.length > limits.paramLength) throw tooLong(`${field}.file.path`, source.value.path.length, limits.paramLength, 'GATEWAY_MAX_PARAM_LENGTH');
    else if (source.case === 'url' && source.value.url.length > limits.paramLength) throw tooLong(`${field}.url.url`, source.value.url.length, limits.paramLength, 'GATEWAY_MAX_PARAM_LENGTH');
  }
  if (records > limits.inlineRecords) {
    throw new ResourceExhaustedError(`${prefix}.inputs carries ${records} inline records; the limit is ${limits.inlineRecords} (GATEWAY_MAX_INLINE_RECORDS)`);
  }
  checkJson(spec.params, `${prefix}.params`, limits);
  const labels = Object.entries(spec.labels);
  if (labels.length > maxLabels) throw new InvalidArgumentError(`${prefix}.labels`, `has ${labels.length} labels; the limit is ${maxLabels}`);
  for (const [key, value] of labels) checkJson({ [key]: value }, `${prefix}.labels`, limits);
  if (spec.outputDir.length > limits.paramLength) throw tooLong(`${prefix}.output_dir`, spec.outputDir.length, limits.paramLength, 'GATEWAY_MAX_PARAM_LENGTH');
  const pattern = spec.params?.['pattern'];
  if (spec.function === 'grep' && typeof pattern === 'string') checkRegexSafety(pattern, `${prefix}.params.pattern`, limits);
}

/** Checks a scatter call: item count and the strings inside params and every input. */
export function checkScatter(request: ScatterRequest, limits: RequestLimits): void {
  if (request.inputs.length > limits.inputs) {
    throw new ResourceExhaustedError(`inputs has ${request.inputs.length} items; the limit is ${limits.inputs} (GATEWAY_MAX_INPUTS)`);
  }
  checkJson(request.params, 'params', limits);
  for (const [i, input] of request.inputs.entries()) {
    let json: JsonValue;
    try {
      json = toJson(ValueSchema, input);
    } catch {
      throw new InvalidArgumentError(`inputs[${i}]`, 'is not a JSON value (NaN or Infinity?)');
    }
    checkJson(json, `inputs[${i}]`, limits);
  }
}

/**
 * Checks ReadResults' limit, offset and format (a value this gateway's ResultFormat does not name
 * is refused rather than relayed, so a coordinator never guesses at it).
 * @throws InvalidArgumentError naming `limit`, `offset` or `format`.
 */
export function checkReadResults(request: ReadResultsRequest, limits: RequestLimits): void {
  if (!(request.format in ResultFormat)) throw new InvalidArgumentError('format', `is ${request.format}; expected RESULT_FORMAT_RECORDS or RESULT_FORMAT_DELIMITED`);
  if (request.limit > BigInt(limits.resultLimit)) {
    throw new InvalidArgumentError('limit', `is ${request.limit}; the limit is ${limits.resultLimit} (GATEWAY_MAX_RESULT_LIMIT)`);
  }
  if (request.offset > BigInt(Number.MAX_SAFE_INTEGER)) throw new InvalidArgumentError('offset', `must be at most ${Number.MAX_SAFE_INTEGER}`);
}

/** Checks ListJobs' page size. */
export function checkListJobs(request: ListJobsRequest, limits: RequestLimits): void {
  if (request.pageSize > limits.pageSize) {
    throw new InvalidArgumentError('page_size', `is ${request.pageSize}; the limit is ${limits.pageSize} (GATEWAY_MAX_PAGE_SIZE)`);
  }
}
