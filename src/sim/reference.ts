/**
 * The naive reference the simulator checks every route table against,
 * written independently of the routing core: all-pairs (cost, hops) by
 * queue-based Bellman-Ford from every node, on the TRUE graph (links that
 * are up between running nodes), then the tie-break rules applied by their
 * definition:
 *   - best (cost, hops), lexicographically;
 *   - next hop: the lowest-id neighbour v of the source with
 *     w(s,v) + best(v, d) = best(s, d);
 *   - predecessor of d: the lowest-id p with best(s,p) + w(p,d) = best(s,d)
 *     and the same next hop; the path is the predecessor's path plus d, so
 *     two tables with the same predecessor everywhere have the same paths.
 */
export interface RefGraph {
  /** Node ids, indexable. */
  ids: readonly string[];
  /** adjacency[i] = [j, cost] pairs (directed; both directions listed). */
  adjacency: readonly (readonly [number, number])[][];
}

export interface RefRoute {
  nextHop: string;
  cost: number;
  hops: number;
  /** The node before the destination (the source itself for a neighbour); the path is the predecessors' chain. */
  predecessor: string;
}

/** All-pairs costs and hops; Infinity where unreachable. */
export function allPairs(g: RefGraph): { cost: Float64Array[]; hops: Float64Array[] } {
  const n = g.ids.length;
  const cost: Float64Array[] = [];
  const hops: Float64Array[] = [];
  for (let s = 0; s < n; s++) {
    const c = new Float64Array(n).fill(Infinity);
    const h = new Float64Array(n).fill(Infinity);
    c[s] = 0;
    h[s] = 0;
    const queue = [s];
    const inQueue = new Uint8Array(n);
    inQueue[s] = 1;
    for (let qi = 0; qi < queue.length; qi++) {
      const u = queue[qi] as number;
      inQueue[u] = 0;
      for (const [v, w] of g.adjacency[u] ?? []) {
        const nc = (c[u] as number) + w;
        const nh = (h[u] as number) + 1;
        if (nc < (c[v] as number) || (nc === c[v] && nh < (h[v] as number))) {
          c[v] = nc;
          h[v] = nh;
          if (inQueue[v] === 0) {
            inQueue[v] = 1;
            queue.push(v);
          }
        }
      }
    }
    cost.push(c);
    hops.push(h);
  }
  return { cost, hops };
}

/** The reference route table of source `s`: destination id → route. */
export function referenceRoutes(g: RefGraph, pairs: { cost: Float64Array[]; hops: Float64Array[] }, s: number): Map<string, RefRoute> {
  const n = g.ids.length;
  const cs = pairs.cost[s] as Float64Array;
  const hs = pairs.hops[s] as Float64Array;
  const next = new Int32Array(n).fill(-1);
  const id = (i: number): string => g.ids[i] as string;
  for (let d = 0; d < n; d++) {
    if (d === s || cs[d] === Infinity) continue;
    for (const [v, w] of g.adjacency[s] ?? []) {
      const cv = (pairs.cost[v] as Float64Array)[d] as number;
      const hv = (pairs.hops[v] as Float64Array)[d] as number;
      if (w + cv === cs[d] && 1 + hv === hs[d] && (next[d] === -1 || id(v) < id(next[d] as number))) next[d] = v;
    }
  }
  const pred = new Int32Array(n).fill(-1);
  const incoming: [number, number][][] = Array.from({ length: n }, () => []);
  for (let u = 0; u < n; u++) for (const [v, w] of g.adjacency[u] ?? []) incoming[v]?.push([u, w]);
  for (let d = 0; d < n; d++) {
    if (d === s || cs[d] === Infinity) continue;
    for (const [p, w] of incoming[d] ?? []) {
      if ((cs[p] as number) + w !== cs[d] || (hs[p] as number) + 1 !== hs[d]) continue;
      if (p !== s && next[p] !== next[d]) continue;
      if (p === s && next[d] !== d) continue;
      if (pred[d] === -1 || id(p) < id(pred[d] as number)) pred[d] = p;
    }
  }
  const routes = new Map<string, RefRoute>();
  for (let d = 0; d < n; d++) {
    if (d === s || cs[d] === Infinity) continue;
    routes.set(id(d), { nextHop: id(next[d] as number), cost: cs[d] as number, hops: hs[d] as number, predecessor: id(pred[d] as number) });
  }
  return routes;
}
