/**
 * Shortest paths from one node over the link-state graph (Dijkstra).
 *
 * Tie-breaks make the result a function of the graph alone, so every node
 * computes the same paths and tests can compare exactly. Paths are ordered by
 *   1. total cost, 2. hop count, 3. first hop (lower node id),
 * and among equal (cost, hops, first hop) the path through the lower
 * predecessor id wins. The order is kept by extending a path with an edge
 * (costs are >= 1), so Dijkstra settles each node on its best label, and
 * every predecessor with an equal label is settled before the node itself.
 */
import { MinHeap } from './heap.js';

export interface Route {
  destination: string;
  nextHop: string;
  cost: number;
  hops: number;
  /** Node ids from the next hop to the destination, both included. */
  path: readonly string[];
}

export type RouteTable = ReadonlyMap<string, Route>;

export interface GraphView {
  /** Calls `visit` for each edge u → v that counts (both ends list each other), with u's cost. */
  forEachEdge(u: string, visit: (v: string, cost: number) => void): void;
}

interface Label {
  node: string;
  cost: number;
  hops: number;
  nextHop: string;
  pred: string;
}

function better(a: Label, b: Label): boolean {
  if (a.cost !== b.cost) return a.cost < b.cost;
  if (a.hops !== b.hops) return a.hops < b.hops;
  if (a.nextHop !== b.nextHop) return a.nextHop < b.nextHop;
  return a.pred < b.pred;
}

export function shortestPaths(self: string, graph: GraphView): Map<string, Route> {
  const best = new Map<string, Label>();
  const settled = new Set<string>([self]);
  const heap = new MinHeap<Label>(better);
  const routes = new Map<string, Route>();
  const paths = new Map<string, readonly string[]>([[self, []]]);

  const relax = (from: Label | undefined, v: string, cost: number): void => {
    if (settled.has(v)) return;
    const cand: Label = from === undefined
      ? { node: v, cost, hops: 1, nextHop: v, pred: self }
      : { node: v, cost: from.cost + cost, hops: from.hops + 1, nextHop: from.nextHop, pred: from.node };
    const cur = best.get(v);
    if (cur === undefined || better(cand, cur)) {
      best.set(v, cand);
      heap.push(cand);
    }
  };

  graph.forEachEdge(self, (v, cost) => relax(undefined, v, cost));
  for (let top = heap.pop(); top !== undefined; top = heap.pop()) {
    if (settled.has(top.node) || best.get(top.node) !== top) continue;
    settled.add(top.node);
    const path = [...(paths.get(top.pred) ?? []), top.node];
    paths.set(top.node, path);
    routes.set(top.node, { destination: top.node, nextHop: top.nextHop, cost: top.cost, hops: top.hops, path });
    graph.forEachEdge(top.node, (v, cost) => relax(top, v, cost));
  }
  return routes;
}

export function sameRoute(a: Route | undefined, b: Route | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.nextHop !== b.nextHop || a.cost !== b.cost || a.hops !== b.hops || a.path.length !== b.path.length) return false;
  for (let i = 0; i < a.path.length; i++) if (a.path[i] !== b.path[i]) return false;
  return true;
}
