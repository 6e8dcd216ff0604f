/**
 * The mesh as a graph, for the topology page (`GET /api/graph`), built from
 * what the node already holds:
 *
 *   nodes  = reachable members (this node included), with this node's route
 *            to each (hops, cost, next hop, path)
 *   edges  = links from the signed routing records, counted like the router
 *            counts them: only when both ends list each other, each end's
 *            advertised cost kept; this node's own side comes from its live
 *            links (as in routing), so a link that goes down leaves at once
 *   tree   = the edges on this node's shortest paths (the union of every
 *            route's path): what this node's traffic uses
 *
 * Ids, names and costs only: no keys, certificates or addresses.
 */
import type { NodeInfo } from '../routing/index.js';
import type { MemberInfo } from './protocol.js';

/** A graph beyond this many nodes is cut (nearest members first) and marked truncated. */
export const MAX_GRAPH_NODES = 2000;

export interface GraphNode {
  id: string;
  name: string;
  self: boolean;
  hops: number;
  /** Path cost from this node (link cost units: microseconds of RTT plus a per-hop base). */
  cost: number;
  nextHop: string | null;
  nextHopName: string | null;
  /** Node ids from the next hop to this node. */
  path: string[];
  /** From this member's own record: its neighbours and the cost it advertises to each. */
  neighbours: { id: string; name: string | null; cost: number }[];
  recordAgeMs: number;
}

export interface GraphEdge {
  /** `a|b` with a < b: stable across refreshes. */
  id: string;
  source: string;
  target: string;
  /** The cost each end advertises for this link (source → target, target → source). */
  cost: number;
  reverseCost: number;
  /** On this node's shortest-path tree. */
  tree: boolean;
}

export interface TopologyGraph {
  self: { id: string; name: string };
  generatedAt: string;
  nodes: GraphNode[];
  edges: GraphEdge[];
  truncated: boolean;
}

export function edgeId(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}

/** Build the graph from the member list and the routing records (both from the same moment). */
export interface GraphInputs {
  self: { id: string; name: string };
  members: readonly MemberInfo[];
  records: readonly NodeInfo[];
  /** This node's live links (id, cost): they replace its own, possibly older, record's list. */
  selfLinks: ReadonlyArray<{ id: string; cost: number }>;
  now: Date;
}

export function buildTopologyGraph({ self, members, records, selfLinks, now }: GraphInputs): TopologyGraph {
  const kept = members.slice(0, MAX_GRAPH_NODES);
  const memberIds = new Set(kept.map((m) => m.id));
  const nameOf = new Map(kept.map((m) => [m.id, m.name]));
  const recordOf = new Map<string, Pick<NodeInfo, 'id' | 'neighbours' | 'ageMs'>>(records.filter((r) => memberIds.has(r.id)).map((r) => [r.id, r]));
  recordOf.set(self.id, { id: self.id, neighbours: selfLinks.map((l) => ({ id: l.id, cost: l.cost })), ageMs: recordOf.get(self.id)?.ageMs ?? 0 });
  const costFrom = (from: string, to: string) => recordOf.get(from)?.neighbours.find((n) => n.id === to)?.cost;

  const tree = new Set<string>();
  for (const m of kept) {
    let prev = self.id;
    for (const hop of m.path) {
      tree.add(edgeId(prev, hop));
      prev = hop;
    }
  }

  const edges = new Map<string, GraphEdge>();
  for (const rec of recordOf.values()) {
    for (const n of rec.neighbours) {
      const id = edgeId(rec.id, n.id);
      if (edges.has(id) || !memberIds.has(n.id)) continue;
      const back = costFrom(n.id, rec.id);
      if (back === undefined) continue; // one-sided: not (yet, or any more) a link
      const [source, target] = rec.id < n.id ? [rec.id, n.id] : [n.id, rec.id];
      edges.set(id, { id, source, target, cost: costFrom(source, target) ?? n.cost, reverseCost: costFrom(target, source) ?? back, tree: tree.has(id) });
    }
  }

  const nodes = kept.map((m): GraphNode => {
    const rec = recordOf.get(m.id);
    return {
      id: m.id,
      name: m.name,
      self: m.self,
      hops: m.hops,
      cost: m.cost,
      nextHop: m.nextHop,
      nextHopName: m.nextHopName,
      path: [...m.path],
      neighbours: (rec?.neighbours ?? []).map((n) => ({ id: n.id, name: nameOf.get(n.id) ?? null, cost: n.cost })),
      recordAgeMs: Math.round(rec?.ageMs ?? m.ageMs),
    };
  });
  return { self, generatedAt: now.toISOString(), nodes, edges: [...edges.values()], truncated: members.length > kept.length };
}
