/**
 * The services the gateway's public port serves, in the sorted order reflection lists them: the
 * public API, health and reflection itself (never an internal weft.cluster.v1 service).
 */
export const gatewayServices: readonly string[] = [
  'grpc.health.v1.Health',
  'grpc.reflection.v1.ServerReflection',
  'grpc.reflection.v1alpha.ServerReflection',
  'weft.v1.ClusterService',
  'weft.v1.JobService',
  'weft.v1.ScatterGatherService',
];
