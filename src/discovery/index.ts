/** Discovery's public surface, for the daemon and the tests. */
export { Discovery, type DiscoveryOptions, type DiscoveryCounters, type DiscoveryEvents, type SendCounters } from './discovery.js';
export { resolveDiscoveryConfig, DEFAULT_DISCOVERY_CONFIG, type DiscoveryConfig, type RateLimit } from './config.js';
export { DISCOVERY_GROUP, DISCOVERY_PORT } from './constants.js';
export type { ActiveInterface, InterfaceInfo } from './interface-selection.js';
export type { Sighting, ReceiveCounters, DropReason } from './receive-policy.js';
export type { MulticastTransport } from './multicast.js';
export type { InterfaceSource } from './system-interfaces.js';
