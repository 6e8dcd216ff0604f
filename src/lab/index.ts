/**
 * The lab: a real multi-node network on one machine, in network namespaces.
 * Used by `skein lab`, the integration tests and the benchmarks.
 */
export { createLab } from './build.js';
export { Lab, openLab, resolveLabName, labContext, type LabStatus } from './lab.js';
export { destroyLab, destroyAllLabs, existingLabNames, labNamespaces, type TeardownReport } from './teardown.js';
export { type ExecResult } from './exec.js';
export { parseDelay, parseLoss, parseRate, describeImpairment, type Impairment } from './impairment.js';
export { DEFAULT_LAB_NAME } from './naming.js';
export { LabPaths } from './state.js';
export { TOPOLOGY_KINDS, MAX_LAB_NODES, generateTopology, isTopologyKind, type TopologyKind } from './topology.js';
export { execFileRunner } from './runner.js';
export { startMesh, initMesh, startDaemons, waitForDaemons, meshEnv, nodeConfigPath, skeinArgv, type MeshOptions } from './mesh.js';
export { signerCertificatePath } from './certify.js';
