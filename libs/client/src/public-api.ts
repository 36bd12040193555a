// Everything both entry points export besides their `createWeftClient` (`index.ts` for Node,
// `web.ts` for browsers). Nothing reachable from here may import `@connectrpc/connect-node` or
// `node:*` modules: `web.spec.ts` checks it.
export type { WeftClient, WeftClientOptions, JobsFilter } from './weft-client.js';
export { isFinalJobState } from './job-handle.js';
export type { JobHandle, CallOptionsInit, ResultsOptions } from './job-handle.js';
export type { JobSpecInit, InputInit } from './job-spec-init.js';
export type { ScatterInit, ScatterEvent } from './scatter-event.js';
export type { ResultRecord, ResultValue } from './result-value.js';
export { decodeResultValue } from './result-value.js';
export type { RetryOptions } from './retry-unavailable.js';
export { isConnectionFailure } from './retry-unavailable.js';
export type { WaitForNodesOptions } from './wait-for-nodes.js';
export { JobFailedError, isJobFailedError } from './job-failed-error.js';
// Callers branch on ConnectError.code (never on message text): give them both from here.
export { Code, ConnectError } from '@connectrpc/connect';

// The public messages and enums a caller branches on, so users need only this package.
export { JobState, Phase, TaskEventType, NodeRole, NodeState, BreakerState, Executor, FunctionKind } from '@weft/proto';
export type { Job, PhaseProgress, TaskEvent, WatchJobResponse, Node, FunctionInfo, ScatterSummary, GetJobTraceResponse, TraceSpan } from '@weft/proto';
