// Public contract: weft.v1 and grpc.health.v1. Internal messages are on the `@weft/proto/cluster`
// entry point so that public clients never depend on them by accident.
export * from './gen/weft/v1/job_pb.js';
export * from './gen/weft/v1/scatter_pb.js';
export * from './gen/weft/v1/cluster_pb.js';
export * from './gen/grpc/health/v1/health_pb.js';
