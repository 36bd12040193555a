// @weft/launcher: runs a local Weft cluster, each service its own OS process on loopback.
export { startLocalCluster } from './local-cluster.js';
export type { LocalCluster, LocalClusterOptions } from './local-cluster.js';
export type { NodeHandle, ServiceRole } from './cluster-node.js';
export type { ExitInfo } from './service-process.js';
export { findWorkspaceRoot } from './workspace-root.js';
