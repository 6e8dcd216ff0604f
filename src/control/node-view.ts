/**
 * What the metrics, the event stream and the topology page read from a
 * running node, as control/ names it. The node builds one of these over its
 * parts (node/daemon.ts, `observedView`), and tests pass a plain object, so
 * the node can rename or regroup its fields without touching control/.
 * Everything is read on demand (a scrape, a page refresh), so the node's hot
 * paths pay nothing for being observed.
 */
import type { ForwardCounters } from '../dataplane/forwarding.js';
import type { NodeInfo, RoutingStats } from '../routing/index.js';
import type { SessionCounters } from '../session/types.js';
import type { LinkCounters } from '../link/counters.js';
import type { FirewallStatus, MemberInfo, NameConflict, NeighborInfo, StampedEvent, StaticPeerStatus } from './protocol.js';

/** The link counters the metrics export. */
export type LinkCountersView = Pick<LinkCounters, 'inboundAccepted' | 'inboundRefusedBusy' | 'dialsStarted' | 'dialsFailed' | 'handshakeFailures' | 'authFailures' | 'unauthenticatedDropped' | 'duplicatesClosed'>;

/** Packets the node's data path dropped outside the forwarder and the sessions. */
export interface DataCountersView {
  linkSendDropped: number;
  payloadsMalformed: number;
  unreachablesRejected: number;
}

export interface NodeView {
  readonly self: { readonly name: string; readonly idText: string };
  /** Authenticated links up now. */
  neighbors(): NeighborInfo[];
  linkCounters(): Readonly<LinkCountersView>;
  /** Reachable members, this node included (hops 0). */
  members(): MemberInfo[];
  /** Names certified to more than one reachable member now. */
  nameConflicts(): readonly NameConflict[];
  /** Every stored routing record with its neighbour list and costs: the mesh graph. */
  routingRecords(nowMs: number): NodeInfo[];
  /** This node's live links to neighbours with their current costs (routing uses these for its own edges). */
  selfLinks(): ReadonlyArray<{ id: string; cost: number }>;
  routingStats(): Readonly<RoutingStats>;
  forwardCounters(): Readonly<ForwardCounters>;
  sessionCounters(): Readonly<SessionCounters>;
  dataCounters(): Readonly<DataCountersView>;
  /** Undefined when the node has no firewall to report (tests of other parts). */
  firewallStatus(): FirewallStatus | undefined;
  /** Returns the unsubscribe function; throws when the hub has no free slot. */
  subscribe(fn: (e: StampedEvent) => void): () => void;
  // The parts below are optional: views of tests of other parts leave them out.
  /** When this node's certificate expires (ms since the epoch). */
  certificateNotAfterMs?(): number;
  staticPeers?(): StaticPeerStatus[];
  /** The TUN host's counters by name, its pending queue's, the device's and the DNS responder's (null while that part is off). */
  dataPlaneCounters?(): { tun: Record<string, number>; pending: Record<string, number>; device: Record<string, number> | null; dns: Record<string, number> | null };
  /** Discovery's counters by name; null while discovery is off. */
  discoveryCounters?(): Record<string, number> | null;
}
