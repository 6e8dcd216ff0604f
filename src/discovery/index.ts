/** Discovery's public surface, for the daemon and the tests. */
export { Discovery, type DiscoveryCounters } from './discovery.js';
export { DISCOVERY_GROUP, DISCOVERY_PORT } from './constants.js';
export type { InterfaceChangeFeed } from './interface-watcher.js';
