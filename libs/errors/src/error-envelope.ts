import { CancelledError } from './cancelled-error.js';
import { DeadlineExceededError } from './deadline-exceeded-error.js';
import { FailedPreconditionError } from './failed-precondition-error.js';
import { FunctionNotFoundError } from './function-not-found-error.js';
import { InternalError } from './internal-error.js';
import { InvalidArgumentError } from './invalid-argument-error.js';
import { JobNotFoundError } from './job-not-found-error.js';
import { PartitionUnavailableError } from './partition-unavailable-error.js';
import { ResourceExhaustedError } from './resource-exhausted-error.js';
import { UnavailableError } from './unavailable-error.js';
import { UserCodeError } from './user-code-error.js';
import { isWeftError, type ErrorKind, type WeftError } from './weft-error.js';
import { WorkerCrashedError } from './worker-crashed-error.js';
import { ConfigError } from './config-error.js';

/**
 * A structured-clone-safe description of an error. Errors thrown in a worker thread lose their
 * class and extra fields on the way back, so workers return this instead and the main thread
 * rebuilds the typed error with {@link fromErrorEnvelope}.
 */
export interface ErrorEnvelope {
  readonly kind: ErrorKind;
  readonly message: string;
  /** InvalidArgumentError's field. */
  readonly field?: string;
  /** UserCodeError's location. */
  readonly location?: string;
}

/** Describes any thrown value as an envelope; non-Weft errors become `internal`. */
export function toErrorEnvelope(error: unknown): ErrorEnvelope {
  if (isWeftError(error)) {
    const e = error as WeftError & { field?: string; location?: string; problems?: string[] };
    if (e.kind === 'invalid-argument') return { kind: e.kind, message: e.message, field: e.field };
    if (e.kind === 'user-code-failed') return { kind: e.kind, message: e.message, location: e.location };
    return { kind: e.kind, message: e.message };
  }
  return { kind: 'internal', message: error instanceof Error ? error.message : String(error) };
}

/** Rebuilds the typed error an envelope describes. */
export function fromErrorEnvelope(envelope: ErrorEnvelope): WeftError {
  const { message } = envelope;
  switch (envelope.kind) {
    case 'invalid-argument': {
      const field = envelope.field ?? '';
      const error = new InvalidArgumentError(field, '');
      error.message = message;
      return error;
    }
    case 'user-code-failed': {
      const error = new UserCodeError(message, '');
      Object.defineProperty(error, 'location', { value: envelope.location ?? '' });
      return error;
    }
    case 'function-not-found': return new FunctionNotFoundError(message);
    case 'job-not-found': return new JobNotFoundError(message);
    case 'failed-precondition': return new FailedPreconditionError(message);
    case 'partition-unavailable': return new PartitionUnavailableError(message);
    case 'worker-crashed': return new WorkerCrashedError(message);
    case 'deadline-exceeded': return new DeadlineExceededError(message);
    case 'cancelled': return new CancelledError(message);
    case 'resource-exhausted': return new ResourceExhaustedError(message);
    case 'unavailable': return new UnavailableError(message);
    case 'config-invalid': return new ConfigError([message]);
    case 'internal': return new InternalError(message);
  }
}
