/**
 * The embedded Kubernetes API server: what other units may use. `testing.ts` (the `./testing`
 * export) adds helpers for tests that run against it.
 */
export type { AuditOptions, UserInfo } from './audit.ts';
export { type LocalCluster, type LocalClusterOptions, startLocalCluster } from './cluster.ts';
export type { FaultKind, FaultOptions } from './faults.ts';
export {
  type ClusterObjects,
  ENTRY_CONDITION_TYPES,
  type EntryRules,
  type EntryStatus,
  type IstiodOptions,
  SimulatedIstiod,
} from './istiod.ts';
export { findResource, RESOURCES, type ResourceType } from './resources.ts';
export { SEEDS } from './seed.ts';
export { KubeApiServer, type KubeApiServerOptions } from './server.ts';
