import { test } from 'node:test';
import assert from 'node:assert/strict';
import { changedRoutes, type GraphView, type Route, shortestPaths } from '../../src/routing/spf.js';

const plain = (r: Route | undefined) => r && { destination: r.destination, nextHop: r.nextHop, cost: r.cost, hops: r.hops, path: [...r.path] };

/** Undirected graph from [a, b, cost] triples; ids are short strings (compared as strings, like hex ids). */
function graph(edges: [string, string, number][]): GraphView {
  const adj = new Map<string, [string, number][]>();
  for (const [a, b, c] of edges) {
    adj.set(a, [...(adj.get(a) ?? []), [b, c]]);
    adj.set(b, [...(adj.get(b) ?? []), [a, c]]);
  }
  return { forEachEdge: (u, visit) => { for (const [v, c] of adj.get(u) ?? []) visit(v, c); } };
}

test('lowest cost wins, whatever the hop count', () => {
  const r = shortestPaths('s', graph([['s', 'd', 5], ['s', 'a', 1], ['a', 'b', 1], ['b', 'd', 1]]));
  assert.deepEqual(plain(r.get('d')), { destination: 'd', nextHop: 'a', cost: 3, hops: 3, path: ['a', 'b', 'd'] });
});

test('equal cost: fewer hops wins', () => {
  const r = shortestPaths('s', graph([['s', 'd', 3], ['s', 'a', 1], ['a', 'b', 1], ['b', 'd', 1]]));
  assert.deepEqual(r.get('d')?.path, ['d']);
});

test('equal cost and hops: the lower next-hop id wins, whatever the order edges are listed in', () => {
  const edges: [string, string, number][] = [['s', 'y', 1], ['s', 'x', 1], ['x', 'd', 1], ['y', 'd', 1]];
  assert.equal(shortestPaths('s', graph(edges)).get('d')?.nextHop, 'x');
  assert.equal(shortestPaths('s', graph([...edges].reverse())).get('d')?.nextHop, 'x');
});

test('equal cost, hops and next hop: the path through the lower predecessor wins', () => {
  const r = shortestPaths('s', graph([['s', 'a', 1], ['a', 'q', 1], ['a', 'p', 1], ['q', 'd', 1], ['p', 'd', 1]]));
  assert.deepEqual(plain(r.get('d')), { destination: 'd', nextHop: 'a', cost: 3, hops: 3, path: ['a', 'p', 'd'] });
  assert.equal(r.get('d')?.predecessor, 'p');
});

test('unreachable nodes have no route; self has none', () => {
  const r = shortestPaths('s', graph([['s', 'a', 2], ['b', 'c', 1]]));
  assert.deepEqual([...r.keys()], ['a']);
});

test('asymmetric costs: each direction uses its own end\'s cost', () => {
  const g: GraphView = {
    forEachEdge: (u, visit) => {
      if (u === 's') { visit('a', 10); visit('b', 1); }
      if (u === 'b') { visit('s', 1); visit('a', 1); }
      if (u === 'a') { visit('s', 1); visit('b', 1); }
    },
  };
  assert.deepEqual(shortestPaths('s', g).get('a')?.path, ['b', 'a']);
});

test('a route serialises to JSON with its path; changes upstream mark every destination behind them', () => {
  const before = shortestPaths('s', graph([['s', 'a', 1], ['a', 'b', 1], ['b', 'c', 1], ['s', 'x', 5], ['x', 'b', 1]]));
  assert.deepEqual(JSON.parse(JSON.stringify(before.get('c'))).path, ['a', 'b', 'c']);
  // a-b gets dearer: x (reached via a-b before) goes direct, b and c now go through x; a keeps its route.
  const after = shortestPaths('s', graph([['s', 'a', 1], ['a', 'b', 9], ['b', 'c', 1], ['s', 'x', 5], ['x', 'b', 1]]));
  assert.deepEqual(changedRoutes(before, after).sort(), ['b', 'c', 'x']);
  assert.deepEqual([...(after.get('c')?.path ?? [])], ['x', 'b', 'c']);
  assert.deepEqual(changedRoutes(after, after), []);
  assert.deepEqual(changedRoutes(before, new Map()).sort(), ['a', 'b', 'c', 'x']);
});
