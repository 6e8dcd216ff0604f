/**
 * Seeded topologies for the simulator: who links to whom, each link's cost
 * (small integers, so equal-cost ties are common and tie-breaks are
 * exercised) and one-way delay. Nodes are numbered 0..n-1.
 */
import { ErrorCodes, SkeinError } from '../util/errors.js';
import { SeededRandom } from '../util/random.js';

export interface SimEdge {
  a: number;
  b: number;
  cost: number;
  delayMs: number;
}

export interface Topology {
  kind: TopologyKind;
  nodes: number;
  edges: SimEdge[];
}

export const TOPOLOGY_KINDS = ['line', 'ring', 'grid', 'random'] as const;
export type TopologyKind = (typeof TOPOLOGY_KINDS)[number];

/** Link costs are drawn from 1..MAX_SIM_COST; delay = DELAY_BASE_MS + cost * DELAY_PER_COST_MS. */
export const MAX_SIM_COST = 4;
const DELAY_BASE_MS = 1;
const DELAY_PER_COST_MS = 2;
/** Random graphs get about this mean degree (a spanning tree plus extra links). */
export const RANDOM_MEAN_DEGREE = 4;

function edge(rng: SeededRandom, a: number, b: number): SimEdge {
  const cost = 1 + rng.int(MAX_SIM_COST);
  return { a, b, cost, delayMs: DELAY_BASE_MS + cost * DELAY_PER_COST_MS };
}

export function makeTopology(kind: TopologyKind, nodes: number, seed: number): Topology {
  const minimum = kind === 'ring' ? 3 : 2;
  if (!Number.isInteger(nodes) || nodes < minimum) throw new SkeinError(ErrorCodes.USAGE, `a ${kind} needs at least ${minimum} nodes, got ${nodes}`);
  const rng = new SeededRandom(seed);
  const edges: SimEdge[] = [];
  const seen = new Set<string>();
  const add = (a: number, b: number): void => {
    const key = a < b ? `${a}-${b}` : `${b}-${a}`;
    if (a === b || seen.has(key)) return;
    seen.add(key);
    edges.push(edge(rng, a, b));
  };
  switch (kind) {
    case 'line':
      for (let i = 1; i < nodes; i++) add(i - 1, i);
      break;
    case 'ring':
      for (let i = 0; i < nodes; i++) add(i, (i + 1) % nodes);
      break;
    case 'grid': {
      const cols = Math.ceil(Math.sqrt(nodes));
      for (let i = 0; i < nodes; i++) {
        if ((i + 1) % cols !== 0 && i + 1 < nodes) add(i, i + 1);
        if (i + cols < nodes) add(i, i + cols);
      }
      break;
    }
    case 'random': {
      // A random spanning tree (each node links to an earlier one) keeps it connected.
      for (let i = 1; i < nodes; i++) add(i, rng.int(i));
      const target = Math.floor((nodes * RANDOM_MEAN_DEGREE) / 2);
      const maxPairs = (nodes * (nodes - 1)) / 2;
      for (let tries = 0; edges.length < Math.min(target, maxPairs) && tries < target * 10; tries++) add(rng.int(nodes), rng.int(nodes));
      break;
    }
  }
  return { kind, nodes, edges };
}
