// Weft's RPC plumbing: the servers every service runs, the one client factory every call goes
// through, grpc health, and the domain-error to Connect-code table.
export { GrpcServer } from './grpc-server.js';
export type { GrpcServerOptions } from './grpc-server.js';
export { isLoopback, startConnectServer } from './connect-server.js';
export type { ConnectServer, ConnectServerOptions } from './connect-server.js';
export { createClientFactory } from './client-factory.js';
export type { ClientFactory, ClientFactoryOptions } from './client-factory.js';
export { HealthRegistry, ServingStatus } from './health-service.js';
export { registerReflection } from './reflection-service.js';
export { toConnectError, codeForKind, isRetryableCode } from './to-connect-error.js';
export { errorInterceptor } from './error-interceptor.js';
export { startClientSpan, startServerSpan } from './rpc-span.js';
export type { RpcSpan } from './rpc-span.js';
export { maxMessageBytes, streamChunkBytes } from './limits.js';
export { BatchQueue } from './batch-queue.js';
export { startWorkerRegistration } from './worker-registration.js';
export type { WorkerRegistration, WorkerRegistrationOptions } from './worker-registration.js';
export { runService, loadConfigOrExit } from './run-service.js';
export type { RunningService, RunServiceOptions } from './run-service.js';
export { startWorkerNode } from './worker-node.js';
export type { WorkerNodeSettings, WorkerNodeParts } from './worker-node.js';
export { FaultInjector } from './fault-injector.js';
export type { FaultSettingsInit } from './fault-injector.js';
export { createRetryPolicy, isRetryableError, codeOf } from './retry-policy.js';
export type { RetryPolicyOptions } from './retry-policy.js';
export { readInternalTls, clientTlsOptions, watchInternalTls } from './internal-tls.js';
export type { InternalTlsPaths, InternalTlsMaterial } from './internal-tls.js';
export { filesSignature, statSignature } from './file-signature.js';
