// Weft's domain errors. Handlers throw these; libs/rpc turns each kind into one Connect code at
// the edge of a service. Check them with the isX guards, never with instanceof.
export { WeftError, isWeftError } from './weft-error.js';
export type { ErrorKind } from './weft-error.js';
export { InvalidArgumentError, isInvalidArgumentError } from './invalid-argument-error.js';
export { FunctionNotFoundError, isFunctionNotFoundError } from './function-not-found-error.js';
export { JobNotFoundError, isJobNotFoundError } from './job-not-found-error.js';
export { FailedPreconditionError, isFailedPreconditionError } from './failed-precondition-error.js';
export { PartitionUnavailableError, isPartitionUnavailableError } from './partition-unavailable-error.js';
export { WorkerCrashedError, isWorkerCrashedError } from './worker-crashed-error.js';
export { UserCodeError, isUserCodeError } from './user-code-error.js';
export { DeadlineExceededError, isDeadlineExceededError } from './deadline-exceeded-error.js';
export { CancelledError, isCancelledError } from './cancelled-error.js';
export { ResourceExhaustedError, isResourceExhaustedError } from './resource-exhausted-error.js';
export { UnavailableError, isUnavailableError } from './unavailable-error.js';
export { InternalError, isInternalError } from './internal-error.js';
export { ConfigError, isConfigError } from './config-error.js';
export { toErrorEnvelope, fromErrorEnvelope } from './error-envelope.js';
export type { ErrorEnvelope } from './error-envelope.js';
export { messageOf } from './message-of.js';
