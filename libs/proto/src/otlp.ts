// OpenTelemetry's OTLP trace protocol (opentelemetry.proto.*), vendored for the OTLP/HTTP
// receiver of the test harness and `weft dev`. Not part of Weft's own contract.
export * from './gen/opentelemetry/proto/common/v1/common_pb.js';
export * from './gen/opentelemetry/proto/resource/v1/resource_pb.js';
export * from './gen/opentelemetry/proto/trace/v1/trace_pb.js';
export * from './gen/opentelemetry/proto/collector/trace/v1/trace_service_pb.js';
