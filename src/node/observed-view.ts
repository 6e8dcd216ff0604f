/**
 * The node as control/ observes it (metrics, the event stream, the topology
 * page): control/node-view.ts says what it reads, this maps it onto the
 * node's parts. A renamed or regrouped field of the node changes this file,
 * not control/.
 */
import type { NodeView } from '../control/node-view.js';
import type { DataPlane } from './data-plane.js';
import type { EventHub } from './events.js';
import type { FirewallHost } from './firewall-host.js';
import type { NodeIdentity } from './identity.js';
import type { LinkManager } from './link-manager.js';
import type { RoutingHost } from './routing-host.js';
import type { StaticPeers } from './static-peers.js';

export interface ObservedParts {
  identity: NodeIdentity;
  /** Optional parts (a test's partial node may leave them out): their metrics then have no series. */
  staticPeers?: StaticPeers;
  tun?: { status(): { tun: object | null } };
  dns?: { status(): { dnsCounters: object | null } };
  discoveryCounters?(): object | null;
  links: LinkManager;
  routing: RoutingHost;
  data: DataPlane;
  firewall: FirewallHost;
  events: EventHub;
}

export function observedView(parts: ObservedParts): NodeView {
  const { identity, links, routing, data, firewall, events } = parts;
  const numbers = (o: object) => o as unknown as Record<string, number>;
  return {
    self: identity.self,
    neighbors: () => links.neighbors(),
    linkCounters: () => links.counters,
    members: () => routing.members(),
    nameConflicts: () => routing.nameConflicts(),
    routingRecords: (nowMs) => routing.router.nodes(nowMs),
    selfLinks: () => routing.router.neighbours(),
    routingStats: () => routing.router.stats,
    forwardCounters: () => data.forwardCounters(),
    sessionCounters: () => data.sessionCounters(),
    dataCounters: () => data.counters,
    firewallStatus: () => firewall.status(),
    subscribe: (fn) => events.subscribe(fn),
    certificateNotAfterMs: () => identity.self.notAfter,
    ...(parts.staticPeers ? { staticPeers: () => parts.staticPeers?.status() ?? [] } : {}),
    ...(parts.tun ? {
      dataPlaneCounters: () => {
        const device = parts.tun?.status().tun ?? null;
        const dns = parts.dns?.status().dnsCounters ?? null;
        return { tun: numbers(data.ipCounters()), pending: numbers(data.pendingCounters()), device: device && numbers(device), dns: dns && numbers(dns) };
      },
    } : {}),
    ...(parts.discoveryCounters ? { discoveryCounters: () => { const c = parts.discoveryCounters?.() ?? null; return c && numbers(c); } } : {}),
  };
}
