/**
 * A fake running node for the metrics and topology-page tests: a NodeView
 * over plain objects the test can change, and a real EventHub.
 *
 *   n1 (self) — n2 — n3, and n1 — n3 (a triangle), n4 known by record only
 *   n1's routes: n2 direct, n3 direct.
 */
import type { DataCountersView, NodeView } from '../../src/control/node-view.js';
import type { LinkCounters } from '../../src/link/counters.js';
import { EventHub } from '../../src/node/events.js';
import type { NodeInfo, RoutingStats } from '../../src/routing/index.js';
import { emptyStats } from '../../src/routing/actions.js';
import type { ForwardCounters } from '../../src/dataplane/forwarding.js';
import type { SessionCounters } from '../../src/session/types.js';
import type { NeighborInfo, MemberInfo } from '../../src/control/protocol.js';
import type { DataCounters } from '../../src/node/data-plane.js';

export const ID = { n1: '11'.repeat(16), n2: '22'.repeat(16), n3: '33'.repeat(16), n4: '44'.repeat(16) };

export function neighbor(name: string, iface: string, over: Partial<NeighborInfo> = {}): NeighborInfo {
  return {
    name, id: ID[name as keyof typeof ID] ?? '00'.repeat(16), interface: iface, address: 'fe80::1', port: 7460, dialed: true,
    rttMs: 1.5, uptimeMs: 1000, bytesIn: 1000, bytesOut: 2000, messagesIn: 10, messagesOut: 20, dropped: 0, ...over,
  };
}

function member(name: keyof typeof ID, hops: number, cost: number, path: string[]): MemberInfo {
  const nextHop = path[0] ?? null;
  const nextName = nextHop === null ? null : (Object.entries(ID).find(([, v]) => v === nextHop)?.[0] ?? null);
  return { name, id: ID[name], address: `fd00::${hops + 1}`, hops, cost, sequence: 1, nextHop, nextHopName: nextName, path, ageMs: 100, self: hops === 0, certifiedSinceMs: 0, nameConflict: false };
}

function record(name: keyof typeof ID, neighbours: Array<[keyof typeof ID, number]>): NodeInfo {
  return { id: ID[name], name, sequence: 1, ageMs: 500, expiresInMs: 60_000, neighbours: neighbours.map(([n, cost]) => ({ id: ID[n], cost })), route: undefined, self: name === 'n1' };
}

export interface FakeNode extends NodeView {
  state: {
    neighbors: NeighborInfo[];
    members: MemberInfo[];
    records: NodeInfo[];
    /** n1's live links (routing's own view): n2 and n3. */
    selfLinks: Array<{ id: string; cost: number }>;
    linkCounters: LinkCounters;
    stats: RoutingStats;
    forward: ForwardCounters;
    sessions: SessionCounters;
    data: DataCountersView;
  };
  events: EventHub;
}

export function fakeNode(): FakeNode {
  const state: FakeNode['state'] = {
    neighbors: [neighbor('n2', 'eth0', { bytesIn: 12345, messagesOut: 77 }), neighbor('n3', 'eth1', { rttMs: null })],
    members: [member('n1', 0, 0, []), member('n2', 1, 1500, [ID.n2]), member('n3', 1, 1600, [ID.n3])],
    records: [
      record('n1', [['n2', 1500], ['n3', 1600]]),
      record('n2', [['n1', 1400], ['n3', 1300]]),
      record('n3', [['n1', 1700], ['n2', 1300], ['n4', 900]]),
      record('n4', []), // lists nobody back: n3 — n4 is one-sided, and n4 is no member
    ],
    selfLinks: [{ id: ID.n2, cost: 1500 }, { id: ID.n3, cost: 1600 }],
    linkCounters: { inboundAccepted: 5, inboundRefusedBusy: 1, dialsStarted: 4, dialsFailed: 2, handshakeFailures: 3, authFailures: 7, unauthenticatedDropped: 2, duplicatesClosed: 1, inboundRefusedInitiation: 0, dialsRateLimitedInterface: 0, dialsRateLimitedTotal: 0, dialsInFlightLimited: 0, inboundRefusedSourceRate: 0, inboundRefusedSourcePending: 0, inboundEvicted: 0, unkeyedAdmitted: 0, unkeyedRefused: 0 },
    stats: { ...emptyStats(), spfRuns: 9, recordsAccepted: 12, messagesSent: 30 },
    forward: {
      delivered: 1, forwarded: 2, originated: 3, unreachablesSent: 0, unreachablesRateLimited: 0, unreachablesUnroutable: 0,
      drops: { malformed: 0, 'own-source': 0, 'hop-limit-exceeded': 4, 'no-route': 6, loop: 0, 'unreachable-rate': 0 },
    },
    sessions: {
      sent: 8, delivered: 7, keepalivesSent: 0, keepalivesReceived: 0, handshakesInitiated: 2, handshakesResponded: 1, sessionsEstablished: 3,
      drops: { replay: 5, 'auth-failed': 2 } as SessionCounters['drops'],
    },
    data: { linkSendDropped: 1, payloadsMalformed: 0, unreachablesRejected: 0 },
  };
  const events = new EventHub();
  return {
    state,
    events,
    self: { name: 'n1', idText: ID.n1 },
    neighbors: () => state.neighbors,
    linkCounters: () => state.linkCounters,
    members: () => state.members,
    nameConflicts: () => [],
    routingRecords: () => state.records,
    selfLinks: () => state.selfLinks,
    routingStats: () => state.stats,
    forwardCounters: () => state.forward,
    sessionCounters: () => state.sessions,
    dataCounters: () => state.data,
    firewallStatus: () => undefined,
    subscribe: (fn) => events.subscribe(fn),
  };
}
