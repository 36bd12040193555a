// Internal contract (weft.cluster.v1): services talk to each other with these; never served on
// the gateway's public port.
export * from './gen/weft/cluster/v1/registry_pb.js';
export * from './gen/weft/cluster/v1/tasks_pb.js';
export * from './gen/weft/cluster/v1/mapper_pb.js';
export * from './gen/weft/cluster/v1/reducer_pb.js';
export * from './gen/weft/cluster/v1/faults_pb.js';
