/**
 * The routing core's public API (pure: no sockets, timers or process).
 * The daemon builds one Router per node; the simulator builds hundreds.
 */
export { Router, type RouterConfig, type LinkOptions, type NodeInfo } from './router.js';
export type { RouterIdentity } from './state.js';
export type { RoutingAction, RoutingStats } from './actions.js';
export type { Route, RouteTable } from './spf.js';
export { changedRoutes, shortestPaths, type GraphView } from './spf.js';
export { DEFAULT_ROUTING_OPTIONS, resolveRoutingOptions, type RoutingOptions, type RateLimit } from './options.js';
export { LinkCostEstimator, DEFAULT_COST_ESTIMATOR_OPTIONS, type CostEstimatorOptions } from './cost.js';
export { nextSequence } from './sequence.js';
export {
  CachedChainVerifier,
  type ChainVerifier,
  type RevocationListInfo,
  type RevocationStore,
  type VerifiedOrigin,
} from './trust.js';
export { identityChainVerifier, IdentityRevocationStore } from './identity-trust.js';
