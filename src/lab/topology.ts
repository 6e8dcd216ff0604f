/**
 * Topology generators for the lab: pure functions from (kind, size, seed) to
 * a list of point-to-point links between nodes numbered 1..N.
 *
 * `bridge` has no point-to-point links: every node sits on one shared
 * segment (a switch), which the layout models as N node↔switch links.
 * Every generated topology is connected, and `random` is a pure function of
 * its seed, so a failing test or a reported problem can be rebuilt exactly.
 */
import { SeededRandom } from '../util/random.js';
import { ErrorCodes, SkeinError } from '../util/errors.js';

export const TOPOLOGY_KINDS = ['line', 'ring', 'star', 'grid', 'random', 'bridge'] as const;
export type TopologyKind = (typeof TOPOLOGY_KINDS)[number];

/** Fewest nodes a lab can have (a ring needs three to be a ring, not a line). */
export const MIN_LAB_NODES = 2;
export const MIN_RING_NODES = 3;
/** Most nodes a lab can have: keeps interface names within 15 characters (see naming.ts) and builds bounded. */
export const MAX_LAB_NODES = 250;
/** A random topology adds this many extra edges per node (rounded down) on top of a spanning tree. */
export const RANDOM_EXTRA_EDGES_PER_NODE = 0.5;
/** Bound on tries to place the extra random edges (pairs already linked are skipped). */
const RANDOM_EXTRA_ATTEMPTS_PER_EDGE = 20;

/** A link between two nodes, 1-based indices with a < b. */
export type LinkPair = readonly [number, number];

export interface TopologySpec {
  kind: TopologyKind;
  nodes: number;
  /** Required for `random`; ignored by the others. */
  seed?: number;
}

export interface Topology {
  kind: TopologyKind;
  nodeCount: number;
  seed?: number;
  /** Point-to-point links, sorted, each pair once. Empty for `bridge`. */
  links: LinkPair[];
  /** True when every node is on one shared segment through a switch (`bridge`). */
  shared: boolean;
}

export function isTopologyKind(value: string): value is TopologyKind {
  return (TOPOLOGY_KINDS as readonly string[]).includes(value);
}

export function generateTopology(spec: TopologySpec): Topology {
  validateSpec(spec);
  const n = spec.nodes;
  const links = ((): LinkPair[] => {
    switch (spec.kind) {
      case 'line': return lineLinks(n);
      case 'ring': return [...lineLinks(n), [1, n]];
      case 'star': return range(2, n).map((i) => [1, i] as const);
      case 'grid': return gridLinks(n);
      case 'random': return randomLinks(n, spec.seed ?? 0);
      case 'bridge': return [];
    }
  })();
  const topology: Topology = { kind: spec.kind, nodeCount: n, links: sortLinks(links), shared: spec.kind === 'bridge' };
  if (spec.kind === 'random') topology.seed = spec.seed;
  return topology;
}

function validateSpec(spec: TopologySpec): void {
  if (!isTopologyKind(spec.kind)) {
    throw new SkeinError(ErrorCodes.USAGE, `unknown topology '${String(spec.kind)}' (known: ${TOPOLOGY_KINDS.join(', ')})`);
  }
  const min = spec.kind === 'ring' ? MIN_RING_NODES : MIN_LAB_NODES;
  if (!Number.isInteger(spec.nodes) || spec.nodes < min || spec.nodes > MAX_LAB_NODES) {
    throw new SkeinError(ErrorCodes.USAGE, `invalid size ${String(spec.nodes)} for a ${spec.kind} topology: nodes must be a whole number from ${min} to ${MAX_LAB_NODES}`);
  }
  if (spec.kind === 'random' && (spec.seed === undefined || !Number.isInteger(spec.seed) || spec.seed < 0 || spec.seed > 0xffff_ffff)) {
    throw new SkeinError(ErrorCodes.USAGE, `a random topology needs a seed: a whole number from 0 to ${0xffff_ffff} (got ${String(spec.seed)})`);
  }
}

/** Grid shape for n nodes: as square as possible, filled row by row; the last row may be partial. */
export function gridShape(n: number): { rows: number; cols: number } {
  const cols = Math.ceil(Math.sqrt(n));
  return { rows: Math.ceil(n / cols), cols };
}

function lineLinks(n: number): LinkPair[] {
  return range(1, n - 1).map((i) => [i, i + 1] as const);
}

/** Node k (1-based) sits at row ⌊(k-1)/cols⌋, column (k-1) mod cols; link right and down neighbours. */
function gridLinks(n: number): LinkPair[] {
  const { cols } = gridShape(n);
  const links: LinkPair[] = [];
  for (let k = 1; k <= n; k++) {
    const col = (k - 1) % cols;
    if (col + 1 < cols && k + 1 <= n) links.push([k, k + 1]);
    if (k + cols <= n) links.push([k, k + cols]);
  }
  return links;
}

/**
 * A random spanning tree (each node, in a shuffled order, attaches to a random
 * earlier one) guarantees connectivity; extra random edges add cycles so
 * routing has alternatives.
 */
function randomLinks(n: number, seed: number): LinkPair[] {
  const rng = new SeededRandom(seed);
  const order = range(1, n);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  const seen = new Set<string>();
  const links: LinkPair[] = [];
  const add = (a: number, b: number): boolean => {
    const pair: LinkPair = a < b ? [a, b] : [b, a];
    const key = `${pair[0]}-${pair[1]}`;
    if (a === b || seen.has(key)) return false;
    seen.add(key);
    links.push(pair);
    return true;
  };
  for (let k = 1; k < n; k++) add(order[k] as number, order[rng.int(k)] as number);
  const maxEdges = (n * (n - 1)) / 2;
  const extra = Math.min(Math.floor(n * RANDOM_EXTRA_EDGES_PER_NODE), maxEdges - links.length);
  let added = 0;
  for (let attempt = 0; added < extra && attempt < extra * RANDOM_EXTRA_ATTEMPTS_PER_EDGE; attempt++) {
    if (add(1 + rng.int(n), 1 + rng.int(n))) added++;
  }
  return links;
}

/** True when every node 1..n can reach every other over `links` (a shared segment is always connected). */
export function isConnected(topology: Pick<Topology, 'nodeCount' | 'links' | 'shared'>): boolean {
  const n = topology.nodeCount;
  if (topology.shared || n <= 1) return true;
  const adjacency = new Map<number, number[]>();
  for (const [a, b] of topology.links) {
    adjacency.set(a, [...(adjacency.get(a) ?? []), b]);
    adjacency.set(b, [...(adjacency.get(b) ?? []), a]);
  }
  const reached = new Set<number>([1]);
  const queue = [1];
  while (queue.length > 0) {
    const node = queue.shift() as number;
    for (const next of adjacency.get(node) ?? []) {
      if (!reached.has(next)) {
        reached.add(next);
        queue.push(next);
      }
    }
  }
  return reached.size === n;
}

function sortLinks(links: LinkPair[]): LinkPair[] {
  return [...links].sort((x, y) => x[0] - y[0] || x[1] - y[1]);
}

function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i <= to; i++) out.push(i);
  return out;
}
