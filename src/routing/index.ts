/**
 * The routing core's public API (pure: no sockets, timers or process).
 * The daemon builds one Router per node; the simulator builds hundreds.
 */
export { Router, type NodeInfo } from './router.js';
export type { RoutingAction, RoutingStats } from './actions.js';
export type { Route } from './spf.js';
export { DEFAULT_COST_ESTIMATOR_OPTIONS } from './cost.js';
export { CachedChainVerifier, type ChainVerifier, type VerifiedOrigin } from './trust.js';
export { identityChainVerifier, IdentityRevocationStore } from './identity-trust.js';
