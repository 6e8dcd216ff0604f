import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateTopology, gridShape, isConnected, MAX_LAB_NODES, TOPOLOGY_KINDS, type Topology } from '../../src/lab/topology.js';
import { isSkeinError, ErrorCodes } from '../../src/util/errors.js';

function degrees(t: Topology): number[] {
  const d = new Array<number>(t.nodeCount + 1).fill(0);
  for (const [a, b] of t.links) {
    d[a] = (d[a] ?? 0) + 1;
    d[b] = (d[b] ?? 0) + 1;
  }
  return d.slice(1);
}

function assertWellFormed(t: Topology): void {
  const keys = new Set<string>();
  for (const [a, b] of t.links) {
    assert.ok(a < b, `link ${a}-${b} is ordered`);
    assert.ok(a >= 1 && b <= t.nodeCount, `link ${a}-${b} within 1..${t.nodeCount}`);
    const key = `${a}-${b}`;
    assert.ok(!keys.has(key), `link ${key} appears once`);
    keys.add(key);
  }
  assert.ok(isConnected(t), `${t.kind}/${t.nodeCount} is connected`);
}

test('line: n-1 links, ends of degree 1, connected', () => {
  for (const n of [2, 3, 6, 50]) {
    const t = generateTopology({ kind: 'line', nodes: n });
    assertWellFormed(t);
    assert.equal(t.links.length, n - 1);
    assert.deepEqual(degrees(t).filter((d) => d === 1).length, 2);
  }
});

test('ring: n links, every node of degree 2', () => {
  for (const n of [3, 4, 7, 100]) {
    const t = generateTopology({ kind: 'ring', nodes: n });
    assertWellFormed(t);
    assert.equal(t.links.length, n);
    assert.ok(degrees(t).every((d) => d === 2));
  }
});

test('star: n-1 links, all through n1', () => {
  const t = generateTopology({ kind: 'star', nodes: 6 });
  assertWellFormed(t);
  assert.equal(t.links.length, 5);
  assert.ok(t.links.every(([a]) => a === 1));
  assert.deepEqual(degrees(t), [5, 1, 1, 1, 1, 1]);
});

test('grid: r(c-1)+c(r-1) links when full, connected when partial', () => {
  const full = generateTopology({ kind: 'grid', nodes: 9 });
  assertWellFormed(full);
  assert.deepEqual(gridShape(9), { rows: 3, cols: 3 });
  assert.equal(full.links.length, 3 * 2 + 3 * 2);
  assert.deepEqual(generateTopology({ kind: 'grid', nodes: 4 }).links, [[1, 2], [1, 3], [2, 4], [3, 4]]);
  for (let n = 2; n <= 40; n++) {
    const t = generateTopology({ kind: 'grid', nodes: n });
    assertWellFormed(t);
    assert.ok(degrees(t).every((d) => d >= 1 && d <= 4), `grid ${n} degrees within 1..4`);
  }
  // 5 nodes: 3 columns, rows [1 2 3] [4 5]: 2 + 1 horizontal, 2 vertical.
  assert.equal(generateTopology({ kind: 'grid', nodes: 5 }).links.length, 5);
});

test('random: connected, tree plus ⌊n/2⌋ extra edges, same seed same links, other seed differs', () => {
  for (const n of [2, 3, 5, 6, 30, MAX_LAB_NODES]) {
    for (const seed of [0, 1, 42, 0xffff_ffff]) {
      const t = generateTopology({ kind: 'random', nodes: n, seed });
      assertWellFormed(t);
      const maxEdges = (n * (n - 1)) / 2;
      assert.equal(t.links.length, Math.min(n - 1 + Math.floor(n / 2), maxEdges), `random ${n}/${seed} edge count`);
      assert.deepEqual(generateTopology({ kind: 'random', nodes: n, seed }), t, 'deterministic per seed');
      assert.equal(t.seed, seed);
    }
  }
  const a = generateTopology({ kind: 'random', nodes: 12, seed: 1 });
  const b = generateTopology({ kind: 'random', nodes: 12, seed: 2 });
  assert.notDeepEqual(a.links, b.links);
});

test('bridge: no point-to-point links, one shared segment', () => {
  const t = generateTopology({ kind: 'bridge', nodes: 5 });
  assert.equal(t.shared, true);
  assert.equal(t.links.length, 0);
  assert.ok(isConnected(t));
});

test('isConnected notices a split', () => {
  assert.equal(isConnected({ nodeCount: 4, links: [[1, 2], [3, 4]], shared: false }), false);
  assert.equal(isConnected({ nodeCount: 3, links: [[1, 2]], shared: false }), false);
});

test('invalid kinds and sizes are usage errors with one-line messages', () => {
  const cases: Array<[unknown, RegExp]> = [
    [{ kind: 'mesh', nodes: 4 }, /unknown topology 'mesh' \(known: line, ring, star, grid, random, bridge\)/],
    [{ kind: 'line', nodes: 1 }, /invalid size 1 for a line topology: nodes must be a whole number from 2 to 250/],
    [{ kind: 'ring', nodes: 2 }, /from 3 to 250/],
    [{ kind: 'star', nodes: MAX_LAB_NODES + 1 }, /invalid size 251/],
    [{ kind: 'grid', nodes: 2.5 }, /invalid size 2.5/],
    [{ kind: 'random', nodes: 4 }, /a random topology needs a seed/],
    [{ kind: 'random', nodes: 4, seed: -1 }, /needs a seed/],
  ];
  for (const [spec, message] of cases) {
    assert.throws(() => generateTopology(spec as never), (err: unknown) => {
      assert.ok(isSkeinError(err, ErrorCodes.USAGE));
      assert.match(err.message, message);
      assert.ok(!err.message.includes('\n'));
      return true;
    });
  }
});

test('every kind builds at the smallest and largest sizes', () => {
  for (const kind of TOPOLOGY_KINDS) {
    for (const nodes of [kind === 'ring' ? 3 : 2, MAX_LAB_NODES]) {
      assertWellFormed(generateTopology({ kind, nodes, seed: 7 }));
    }
  }
});
