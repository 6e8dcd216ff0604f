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
 *
 * A route keeps its predecessor, not its path: paths are built on demand
 * (a 1,000-node line would otherwise build half a million path entries per
 * computation). Two tables have the same paths exactly when every
 * destination has the same predecessor, by induction along the path.
 */
import { MinHeap } from './heap.js';

export interface Route {
  readonly destination: string;
  readonly nextHop: string;
  readonly cost: number;
  readonly hops: number;
  /** The node before the destination on the path (ourselves for a neighbour). */
  readonly predecessor: string;
  /** Node ids from the next hop to the destination, both included (built on first use). */
  readonly path: readonly string[];
}

export type RouteTable = ReadonlyMap<string, Route>;

class RouteEntry implements Route {
  private built: readonly string[] | undefined;

  constructor(
    readonly destination: string,
    readonly nextHop: string,
    readonly cost: number,
    readonly hops: number,
    readonly predecessor: string,
    private readonly table: ReadonlyMap<string, Route>,
  ) {}

  get path(): readonly string[] {
    if (this.built === undefined) {
      const out: string[] = [];
      for (let r: Route | undefined = this; r !== undefined && out.length < this.hops; r = this.table.get(r.predecessor)) out.push(r.destination);
      this.built = out.reverse();
    }
    return this.built;
  }

  toJSON(): object {
    const { destination, nextHop, cost, hops, predecessor, path } = this;
    return { destination, nextHop, cost, hops, predecessor, path };
  }
}

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
    routes.set(top.node, new RouteEntry(top.node, top.nextHop, top.cost, top.hops, top.pred, routes));
    graph.forEachEdge(top.node, (v, cost) => relax(top, v, cost));
  }
  return routes;
}

/**
 * Destinations whose route differs between two tables (added, removed, or
 * another next hop, cost, hop count or path). `next` must be in the order
 * shortestPaths returns (predecessors first), so a changed path upstream is
 * seen before the destinations it leads to.
 */
export function changedRoutes(prev: ReadonlyMap<string, Route>, next: ReadonlyMap<string, Route>): string[] {
  const changed = new Set<string>();
  for (const [dest, r] of next) {
    const old = prev.get(dest);
    if (old === undefined || old.nextHop !== r.nextHop || old.cost !== r.cost || old.hops !== r.hops
      || old.predecessor !== r.predecessor || changed.has(r.predecessor)) changed.add(dest);
  }
  for (const dest of prev.keys()) if (!next.has(dest)) changed.add(dest);
  return [...changed];
}
