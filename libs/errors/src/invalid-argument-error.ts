import { WeftError } from './weft-error.js';

/**
 * A request field (or a path or URL inside one) is malformed (INVALID_ARGUMENT). The message
 * always names the field, e.g. `spec.reducers must be between 1 and 1024, got 0`.
 */
export class InvalidArgumentError extends WeftError {
  readonly kind = 'invalid-argument' as const;

  /**
   * @param field dotted path of the offending field, e.g. `spec.inputs[2].file.path`.
   * @param problem what is wrong with it; the message becomes `${field} ${problem}`.
   */
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`${field} ${problem}`);
  }
}

/** True when `value` is an {@link InvalidArgumentError}. */
export function isInvalidArgumentError(value: unknown): value is InvalidArgumentError {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'invalid-argument';
}
