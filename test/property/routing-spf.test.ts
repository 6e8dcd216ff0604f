import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { shortestPaths } from '../../src/routing/spf.js';
import { allPairs, type RefGraph, referenceRoutes } from '../../src/sim/reference.js';

const RUNS = 500;

/** Random undirected graphs of 2..24 nodes with costs 1..4 (many ties), ids as fixed-width hex like node ids. */
const graphs = fc.integer({ min: 2, max: 24 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    edges: fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1), fc.integer({ min: 1, max: 4 })), { maxLength: n * 3 }),
    ids: fc.uniqueArray(fc.nat(0xffff), { minLength: n, maxLength: n }),
  }));

test(`${RUNS} random graphs: Dijkstra with tie-breaks equals the naive reference from every node`, () => {
  fc.assert(fc.property(graphs, ({ n, edges, ids }) => {
    const names = ids.map((x) => x.toString(16).padStart(32, '0'));
    const adjacency: [number, number][][] = names.map(() => []);
    const seen = new Set<string>();
    for (const [a, b, c] of edges) {
      if (a === b || seen.has(`${Math.min(a, b)}-${Math.max(a, b)}`)) continue;
      seen.add(`${Math.min(a, b)}-${Math.max(a, b)}`);
      adjacency[a]?.push([b, c]);
      adjacency[b]?.push([a, c]);
    }
    const g: RefGraph = { ids: names, adjacency };
    const pairs = allPairs(g);
    const index = new Map(names.map((id, i) => [id, i]));
    const view = { forEachEdge: (u: string, visit: (v: string, c: number) => void) => { for (const [v, c] of adjacency[index.get(u) ?? -1] ?? []) visit(names[v] as string, c); } };
    for (let s = 0; s < n; s++) {
      const got = shortestPaths(names[s] as string, view);
      const want = referenceRoutes(g, pairs, s);
      assert.equal(got.size, want.size);
      for (const [d, r] of want) {
        const h = got.get(d);
        assert.deepEqual(h && { nextHop: h.nextHop, cost: h.cost, hops: h.hops, predecessor: h.predecessor }, r);
        // The whole path: the reference's predecessor chain, walked here.
        const path = [d];
        for (let p = r.predecessor; p !== names[s]; p = (want.get(p) as { predecessor: string }).predecessor) path.unshift(p);
        assert.deepEqual([...(h?.path ?? [])], path);
      }
    }
  }), { numRuns: RUNS });
});
