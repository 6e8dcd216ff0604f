/**
 * What the metrics and the topology page read from a running node: the
 * Daemon satisfies this as it is (same field names), and tests pass a plain
 * object. Everything is read on demand (a scrape, a page refresh), so the
 * node's hot paths pay nothing for being observed.
 */
import type { ForwardCounters } from '../dataplane/forwarding.js';
import type { NodeEvent } from '../node/events.js';
import type { DataCounters } from '../node/data-plane.js';
import type { FirewallStatus } from '../node/firewall-host.js';
import type { LinkCounters, NeighborInfo } from '../node/link-manager.js';
import type { MemberInfo } from '../node/routing-host.js';
import type { NameConflict } from '../node/member-names.js';
import type { NodeInfo, RoutingStats } from '../routing/index.js';
import type { SessionCounters } from '../session/types.js';

export type StampedEvent = NodeEvent & { time: string };

export interface DaemonView {
  readonly identity: { readonly self: { readonly name: string; readonly idText: string } };
  readonly links: {
    neighbors(): NeighborInfo[];
    readonly counters: Readonly<LinkCounters>;
  };
  readonly routing: {
    /** Reachable members, this node included (hops 0). */
    members(): MemberInfo[];
    /** Names certified to more than one reachable member now. */
    nameConflicts(): readonly NameConflict[];
    readonly router: {
      /** Every stored routing record with its neighbour list and costs: the mesh graph. */
      nodes(nowMs: number): NodeInfo[];
      /** This node's live links to neighbours with their current costs (routing uses these for its own edges). */
      neighbours(): ReadonlyArray<{ id: string; cost: number }>;
      readonly stats: Readonly<RoutingStats>;
    };
  };
  readonly data: {
    forwardCounters(): Readonly<ForwardCounters>;
    readonly sessions: { counters(): Readonly<SessionCounters> };
    readonly counters: Readonly<DataCounters>;
  };
  /** Absent in views that have none (tests of other parts). */
  readonly firewall?: { status(): FirewallStatus };
  readonly events: {
    /** Returns the unsubscribe function; throws when the hub has no free slot. */
    subscribe(fn: (e: StampedEvent) => void): () => void;
  };
}
