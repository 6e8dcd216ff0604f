/**
 * Compares every running node's route table with the naive reference on the
 * true graph (reference.ts): next hop, cost, hop count and predecessor of
 * every destination, which fixes every path (a path is its predecessors'
 * chain). Also looks up which nodes still hold a record.
 */
import { allPairs, type RefGraph, referenceRoutes } from './reference.js';
import type { SimNetwork } from './network.js';

export interface TableCheck {
  correct: boolean;
  /** (node, destination) pairs that differ, missing or extra. */
  mismatches: number;
  /** The first difference, for a message. */
  example?: string;
}

export function trueGraph(net: SimNetwork): RefGraph {
  const ids = net.nodes.map((n) => n.identity.idText);
  const adjacency: [number, number][][] = ids.map(() => []);
  for (const l of net.links.values()) {
    if (!l.up || net.node(l.a).router === undefined || net.node(l.b).router === undefined) continue;
    adjacency[l.a]?.push([l.b, l.cost]);
    adjacency[l.b]?.push([l.a, l.cost]);
  }
  return { ids, adjacency };
}

export function checkTables(net: SimNetwork): TableCheck {
  const g = trueGraph(net);
  const pairs = allPairs(g);
  let mismatches = 0;
  let example: string | undefined;
  const differ = (what: string): void => {
    mismatches++;
    example ??= what;
  };
  for (const n of net.nodes) {
    if (n.router === undefined) continue;
    const want = referenceRoutes(g, pairs, n.index);
    const have = n.router.routes();
    for (const [dest, r] of want) {
      const got = have.get(dest);
      if (got === undefined) {
        differ(`node ${n.index} has no route to node ${net.indexOf(dest)}`);
      } else if (got.nextHop !== r.nextHop || got.cost !== r.cost || got.hops !== r.hops || got.predecessor !== r.predecessor) {
        differ(`node ${n.index} → node ${net.indexOf(dest)}: has via ${net.indexOf(got.nextHop)} cost ${got.cost} hops ${got.hops}, reference via ${net.indexOf(r.nextHop)} cost ${r.cost} hops ${r.hops}`);
      }
    }
    for (const dest of have.keys()) if (!want.has(dest)) differ(`node ${n.index} has a route to unreachable node ${net.indexOf(dest)}`);
  }
  return { correct: mismatches === 0, mismatches, ...(example !== undefined ? { example } : {}) };
}

/** Running nodes that still hold a record of `id`. */
export function holdersOf(net: SimNetwork, id: string): number[] {
  return net.nodes.filter((n) => n.router?.recordSequences().has(id) === true).map((n) => n.index);
}
