/**
 * The lab: a real multi-node network on one machine, in network namespaces.
 * Used by `skein lab`, the integration tests and the benchmarks.
 */
export { createLab, type CreateLabOptions, type LabSpec } from './build.js';
export { Lab, openLab, resolveLabName, labContext, type LabContext, type LabContextOptions, type LabStatus } from './lab.js';
export { destroyLab, destroyAllLabs, existingLabNames, labNamespaces, listNamespaces, type TeardownReport } from './teardown.js';
export { execInNamespace, spawnInNamespace, type ExecOptions, type ExecResult } from './exec.js';
export { parseDelay, parseLoss, parseRate, describeImpairment, type Impairment } from './impairment.js';
export type { InterfaceStatus, LinkStatus, NodeStatus } from './inspect.js';
export type { Endpoint, LabLayout, LinkLayout } from './layout.js';
export { DEFAULT_LAB_NAME, NAMESPACE_PREFIX, SWITCH_NODE, validateLabName } from './naming.js';
export { LabPaths, labRoot, LAB_ROOT_ENV, DEFAULT_LAB_ROOT } from './state.js';
export { TOPOLOGY_KINDS, MAX_LAB_NODES, generateTopology, isTopologyKind, type Topology, type TopologyKind } from './topology.js';
export { execFileRunner, type CommandRunner } from './runner.js';
export { startMesh, initMesh, startDaemons, waitForDaemons, meshEnv, hasMesh, nodeConfigPath, skeinArgv, type MeshOptions } from './mesh.js';
export { destroyLabBuiltBy, removeAbandonedLab, processIsRunning, isAbandoned, isBuiltBy, readStateQuietly, type AbandonedLab, type IsRunning } from './ownership.js';
export { MESH_SIGNERS_DIR, signerDir, signerCertificatePath, type CertificationPlan, type LabSigner, type NodeCertification } from './certify.js';
