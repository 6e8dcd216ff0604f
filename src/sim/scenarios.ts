/**
 * The simulator's scenarios. Each builds a seeded topology over a real PKI,
 * starts every node, converges, then applies its changes phase by phase
 * (runner.ts), checking every route table against the reference each time.
 */
import type { RoutingOptions } from '../routing/options.js';
import { ErrorCodes, SkeinError } from '../util/errors.js';
import { SeededRandom } from '../util/random.js';
import { exposedFullCollector } from '../util/v8-collector.js';
import { holdersOf } from './check.js';
import { SimNetwork, type SimLink } from './network.js';
import { SimPki } from './pki.js';
import { keepaliveBytesPerNodePerSecond } from '../link/keepalive.js';
import { type PhaseReport, runPhase, runWindow, timed } from './runner.js';
import { makeTopology, type TopologyKind } from './topology.js';

export const SCENARIOS = ['line', 'ring', 'grid', 'random', 'link-failure', 'node-leave-join', 'partition-heal', 'churn', 'steady'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface ScenarioOptions {
  nodes: number;
  seed: number;
  lossRate?: number;
  routing?: Partial<RoutingOptions>;
  verifyEach?: boolean;
}

export interface ScenarioReport {
  scenario: ScenarioName;
  topology: TopologyKind;
  nodes: number;
  links: number;
  seed: number;
  lossRate: number;
  phases: PhaseReport[];
  /** Worst single route computation on any node (real ms; includes any GC pause that fell inside it). */
  worstRouteComputationMs: number;
  meanRouteComputationMs: number;
  messagesLost: number;
  eventsRun: number;
  realMs: number;
  correct: boolean;
  /**
   * Live heap per virtual node at the end, beyond what the process held
   * before the scenario (bytes, after a full garbage
   * collection when the process allows one: `node --expose-gc`; otherwise
   * what the heap holds then, garbage included).
   */
  heapBytesPerNode: number;
  heapMeasuredAfterGc: boolean;
}

export const SIM_START_MS = 1_700_000_000_000;
/** Churn: this many changes (at least), spaced up to CHURN_GAP_MS apart. */
const CHURN_MIN_EVENTS = 10;
const CHURN_GAP_MS = 500;
/** After the grace period, a little longer for the last purge and route computation. */
const QUIET_MS_AFTER_GRACE = 1_000;

function topologyOf(name: ScenarioName): TopologyKind {
  return name === 'line' || name === 'ring' || name === 'grid' ? name : 'random';
}

function connectedWithout(net: SimNetwork, cut: Set<SimLink>): boolean {
  const adj: number[][] = net.nodes.map(() => []);
  for (const l of net.links.values()) if (l.up && !cut.has(l)) { adj[l.a]?.push(l.b); adj[l.b]?.push(l.a); }
  const seen = new Set([0]);
  const stack = [0];
  while (stack.length > 0) for (const v of adj[stack.pop() as number] ?? []) if (!seen.has(v)) { seen.add(v); stack.push(v); }
  return seen.size === net.nodes.length;
}

/** A link whose loss keeps the mesh connected (a ring or random graph has many). */
function pickNonBridge(net: SimNetwork, rng: SeededRandom): SimLink {
  const links = [...net.links.values()];
  for (let tries = 0; tries < links.length * 2; tries++) {
    const l = links[rng.int(links.length)] as SimLink;
    if (connectedWithout(net, new Set([l]))) return l;
  }
  return links[0] as SimLink;
}

function start(net: SimNetwork): PhaseReport {
  return runPhase(net, 'initial', () => {
    for (const n of net.nodes) net.startNode(n.index);
    net.allLinksUp();
  });
}

function churn(net: SimNetwork, rng: SeededRandom): void {
  const links = [...net.links.values()];
  const events = Math.max(CHURN_MIN_EVENTS, Math.floor(net.nodes.length / 10));
  let at = net.now;
  for (let i = 0; i < events; i++) {
    at += rng.int(CHURN_GAP_MS);
    const flipNode = rng.float() < 0.3;
    const node = rng.int(net.nodes.length);
    const link = links[rng.int(links.length)] as SimLink;
    net.queue.at(at, () => {
      if (flipNode) {
        if (net.node(node).router === undefined) {
          net.startNode(node);
          for (const l of links) if (l.a === node || l.b === node) net.setLink(l, true);
        } else {
          net.stopNode(node);
        }
      } else {
        net.setLink(link, !link.up);
      }
    });
  }
  // Let the churn play out, then restore everything for the final check.
  net.queue.at(at + 1, () => {
    for (const n of net.nodes) net.startNode(n.index);
    net.allLinksUp();
  });
}

export function runScenario(name: ScenarioName, o: ScenarioOptions): ScenarioReport {
  if (!SCENARIOS.includes(name)) throw new SkeinError(ErrorCodes.USAGE, `unknown scenario '${name}' (known: ${SCENARIOS.join(', ')})`);
  const lossRate = o.lossRate ?? 0;
  const baseline = liveHeapBytes();
  const { value, realMs } = timed(() => {
    const topology = makeTopology(topologyOf(name), o.nodes, o.seed);
    const net = new SimNetwork(topology, new SimPki(o.seed, SIM_START_MS), {
      seed: o.seed, startMs: SIM_START_MS, lossRate, routing: o.routing ?? {}, verifyEach: o.verifyEach === true,
    });
    const rng = new SeededRandom(o.seed ^ 0xc4a05);
    const phases = [start(net)];
    const grace = net.node(0).router?.options.unreachableGraceMs ?? 0;
    switch (name) {
      case 'link-failure': {
        const l = pickNonBridge(net, rng);
        phases.push(runPhase(net, `link ${l.a}-${l.b} fails`, () => net.setLink(l, false)));
        phases.push(runPhase(net, `link ${l.a}-${l.b} repaired`, () => net.setLink(l, true)));
        break;
      }
      case 'node-leave-join': {
        const x = 1 + rng.int(o.nodes - 1);
        const id = net.node(x).identity.idText;
        const leave = runPhase(net, `node ${x} leaves`, () => net.stopNode(x));
        const t0 = net.now;
        net.runFor(grace + QUIET_MS_AFTER_GRACE);
        leave.extra = { recordHoldersAfterGrace: holdersOf(net, id).length, checkedAfterMs: net.now - t0 };
        phases.push(leave);
        phases.push(runPhase(net, `node ${x} rejoins`, () => {
          net.startNode(x);
          for (const l of net.links.values()) if (l.a === x || l.b === x) net.setLink(l, true);
        }));
        break;
      }
      case 'partition-heal': {
        const half = Math.floor(o.nodes / 2);
        const cut = [...net.links.values()].filter((l) => (l.a < half) !== (l.b < half));
        const part = runPhase(net, `partition (${cut.length} links cut)`, () => { for (const l of cut) net.setLink(l, false); });
        net.runFor(grace + QUIET_MS_AFTER_GRACE);
        const foreign = net.nodes.reduce((sum, n) => sum + [...(n.router?.recordSequences().keys() ?? [])]
          .filter((id) => ((net.indexOf(id) ?? 0) < half) !== (n.index < half)).length, 0);
        part.extra = { foreignRecordsAfterGrace: foreign };
        phases.push(part);
        phases.push(runPhase(net, 'heal', () => { for (const l of cut) net.setLink(l, true); }));
        break;
      }
      case 'churn':
        phases.push(runPhase(net, 'churn then restore', () => churn(net, rng)));
        break;
      case 'steady': {
        // One whole refresh interval with nothing changing: every origin
        // re-originates once, so this is the control traffic a quiet mesh
        // costs per node, on average, for as long as it runs.
        const window = net.node(0).router?.options.refreshIntervalMs ?? 0;
        const steady = runWindow(net, `steady (${Math.round(window / 60_000)} min)`, window);
        // The simulator carries routing messages only; the links' keepalives
        // (default interval, real message sizes) come on top.
        const routing = Number(steady.extra?.bytesPerNodePerSecond ?? 0);
        const keepalive = Math.round(keepaliveBytesPerNodePerSecond(net.links.size, net.nodes.length));
        steady.extra = { ...steady.extra, keepaliveBytesPerNodePerSecond: keepalive, controlBytesPerNodePerSecond: routing + keepalive };
        phases.push(steady);
        break;
      }
      default:
        break;
    }
    return { net, topology, phases };
  });
  const { net, topology, phases } = value;
  const heap = liveHeapBytes();
  return {
    scenario: name,
    topology: topology.kind,
    nodes: topology.nodes,
    links: topology.edges.length,
    seed: o.seed,
    lossRate,
    phases,
    worstRouteComputationMs: net.worstSpfMs,
    meanRouteComputationMs: net.meanSpfMs(),
    messagesLost: net.messagesLost,
    eventsRun: net.queue.executed,
    realMs,
    correct: phases.every((p) => p.check.correct && p.quiet),
    heapBytesPerNode: Math.max(0, heap.bytes - baseline.bytes) / Math.max(1, topology.nodes),
    heapMeasuredAfterGc: heap.afterGc,
  };
}

/** The heap in use now, after a full collection when `gc` is exposed. */
function liveHeapBytes(): { bytes: number; afterGc: boolean } {
  const collect = exposedFullCollector();
  collect?.();
  return { bytes: process.memoryUsage().heapUsed, afterGc: collect !== undefined };
}
