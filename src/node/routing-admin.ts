/** The admin methods about members and routes: `nodes`, `routes`, and `hosts` (the hosts-file block). */
import type { AdminRegistry } from '../control/server.js';
import type { MemberInfo, RouteInfo } from '../control/protocol.js';
import { hostsBlock } from '../dns/hosts.js';
import { zoneFor } from '../dns/zone.js';
import type { MemberDirectory } from './member-directory.js';

export interface RoutingAdminSource {
  /** Reachable members, this node included (hops 0). */
  members(): MemberInfo[];
  readonly directory: Pick<MemberDirectory, 'holders'>;
}

export interface HostsNaming {
  clusterName(): string;
  /** The DNS suffix configured for the cluster's zone. */
  dnsSuffix(): string;
}

export function registerRoutingAdmin(admin: AdminRegistry, routing: RoutingAdminSource, naming: HostsNaming): void {
  admin.register('nodes', () => routing.members());
  admin.register('routes', () => routing.members().filter((m) => !m.self).map((m): RouteInfo => ({
    destination: m.name, id: m.id, nextHop: m.nextHopName, nextHopId: m.nextHop, hops: m.hops, cost: m.cost, path: m.path,
  })));
  admin.register('hosts', () => {
    const cluster = naming.clusterName();
    // A name two members claim lists the member that holds it (member-names.ts), as DNS answers.
    return hostsBlock(routing.directory.holders(), cluster, zoneFor(cluster, naming.dnsSuffix()));
  });
}
