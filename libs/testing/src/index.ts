// @weft/testing: the integration harness. Real processes, real sockets, real worker threads.
export { startCluster } from './start-cluster.js';
export type { TestCluster, TestClusterOptions } from './start-cluster.js';
export { withCluster } from './with-cluster.js';
export type { NodeHandle } from '@weft/launcher';
export { injectFaults } from './inject-faults.js';
export type { FaultsInit } from './inject-faults.js';
export { startOtlpReceiver } from './otlp-receiver.js';
export type { OtlpReceiver, OtlpReceiverOptions, TraceWaitOptions } from './otlp-receiver.js';
export type { ReceivedSpan, SpanAttributeValue } from './received-span.js';
export { TestCertificates } from './test-certs.js';
export type { NodeCertificate } from './test-certs.js';
