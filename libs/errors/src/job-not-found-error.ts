import { WeftError } from './weft-error.js';

/** No job with the given id exists (NOT_FOUND). */
export class JobNotFoundError extends WeftError {
  readonly kind = 'job-not-found' as const;
}

/** True when `value` is a {@link JobNotFoundError} (checked by kind, so it works across threads and copies). */
export function isJobNotFoundError(value: unknown): value is JobNotFoundError {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'job-not-found';
}
