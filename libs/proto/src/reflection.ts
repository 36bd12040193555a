// gRPC server reflection (grpc.reflection.v1, and its wire-identical predecessor v1alpha, which
// older tools such as grpcurl < 1.8.8 still call first). Its own entry point: both versions use the
// same message names, and only servers need them.
export * from './gen/grpc/reflection/v1/reflection_pb.js';
export { ServerReflection as ServerReflectionV1alpha } from './gen/grpc/reflection/v1alpha/reflection_pb.js';
