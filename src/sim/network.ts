/**
 * N virtual nodes, each a real Router, joined by virtual links with a
 * one-way delay and a loss rate, on one virtual clock (event-queue.ts).
 *
 * A link behaves like the daemon's TCP link: messages on it arrive in order
 * after its delay, or not at all once it went down (a link that comes back
 * is a new connection: nothing sent on the old one arrives). Loss drops a
 * message at random, which the routers' acknowledgements repair.
 */
import { performance } from 'node:perf_hooks';
import type { RoutingAction } from '../routing/actions.js';
import type { RoutingOptions } from '../routing/options.js';
import { Router } from '../routing/router.js';
import type { RouterIdentity } from '../routing/state.js';
import { SeededRandom } from '../util/random.js';
import { EventQueue } from './event-queue.js';
import type { SimPki } from './pki.js';
import { SignatureMemo } from './signature-memo.js';
import type { Topology } from './topology.js';

export interface SimNetworkOptions {
  seed: number;
  startMs: number;
  /** Probability that one message is lost, 0..1. */
  lossRate: number;
  routing: Partial<RoutingOptions>;
  /** Check every record signature on every node, without the shared memo (signature-memo.ts). */
  verifyEach?: boolean;
}

export interface SimLink {
  a: number;
  b: number;
  cost: number;
  delayMs: number;
  up: boolean;
  /** Bumped at every up/down, so messages from an old connection are dropped. */
  generation: number;
}

export interface SimNode {
  index: number;
  identity: RouterIdentity;
  router: Router | undefined;
  nextTickAt: number;
  /** Persisted across restarts, as the daemon does (the router's `sequence` action). */
  lastSequence: number;
  messagesSent: number;
  bytesSent: number;
}

export function linkKey(a: number, b: number): string {
  return a < b ? `${a}-${b}` : `${b}-${a}`;
}

export class SimNetwork {
  readonly queue: EventQueue;
  readonly nodes: SimNode[] = [];
  readonly links = new Map<string, SimLink>();
  private readonly byId = new Map<string, number>();
  private readonly rng: SeededRandom;
  /** Virtual time of the last route change anywhere, and of the last message sent. */
  lastRouteChangeAt = -Infinity;
  lastSendAt = -Infinity;
  worstSpfMs = 0;
  messagesLost = 0;
  readonly signatures: SignatureMemo | undefined;

  constructor(topology: Topology, private readonly pki: SimPki, private readonly opts: SimNetworkOptions) {
    this.queue = new EventQueue(opts.startMs);
    this.rng = new SeededRandom(opts.seed ^ 0x10_55);
    this.signatures = opts.verifyEach === true ? undefined : new SignatureMemo();
    for (let i = 0; i < topology.nodes; i++) {
      const identity = pki.issue(`node-${i}`);
      this.byId.set(identity.idText, i);
      this.nodes.push({ index: i, identity, router: undefined, nextTickAt: Infinity, lastSequence: 0, messagesSent: 0, bytesSent: 0 });
    }
    for (const e of topology.edges) this.links.set(linkKey(e.a, e.b), { a: e.a, b: e.b, cost: e.cost, delayMs: e.delayMs, up: false, generation: 0 });
  }

  get now(): number {
    return this.queue.now;
  }

  indexOf(id: string): number | undefined {
    return this.byId.get(id);
  }

  node(i: number): SimNode {
    const n = this.nodes[i];
    if (n === undefined) throw new RangeError(`no node ${i}`);
    return n;
  }

  link(a: number, b: number): SimLink {
    const l = this.links.get(linkKey(a, b));
    if (l === undefined) throw new RangeError(`no link ${a}-${b}`);
    return l;
  }

  startNode(i: number): void {
    const n = this.node(i);
    if (n.router !== undefined) return;
    n.router = new Router({
      self: n.identity,
      chains: this.pki.chains,
      revocations: this.pki.revocationStore(),
      nowMs: this.now,
      lastSequence: n.lastSequence,
      options: this.opts.routing,
      cpuClock: () => performance.now(),
      ...(this.signatures !== undefined ? { signatureCheck: this.signatures.check } : {}),
    });
    this.scheduleWake(n, n.router.nextWakeAtMs());
  }

  /** The node leaves: its links go down at both ends, its state is gone (its persisted sequence stays). */
  stopNode(i: number): void {
    const n = this.node(i);
    for (const l of this.links.values()) if (l.up && (l.a === i || l.b === i)) this.setLink(l, false);
    n.router = undefined;
    n.nextTickAt = Infinity;
  }

  /** Brings a link up (only between two running nodes) or down, telling both ends at once. */
  setLink(l: SimLink, up: boolean): void {
    if (l.up === up) return;
    const a = this.node(l.a);
    const b = this.node(l.b);
    if (up && (a.router === undefined || b.router === undefined)) return;
    l.up = up;
    l.generation++;
    for (const [self, other] of [[a, b], [b, a]] as const) {
      if (self.router === undefined) continue;
      const actions = up ? self.router.linkUp(other.identity.idText, this.now, { cost: l.cost }) : self.router.linkDown(other.identity.idText, this.now);
      this.apply(self, actions);
    }
  }

  /** Every link between running nodes comes up. */
  allLinksUp(): void {
    for (const l of this.links.values()) this.setLink(l, true);
  }

  tick(n: SimNode): void {
    if (n.router !== undefined) this.apply(n, n.router.tick(this.now));
  }

  private apply(n: SimNode, actions: RoutingAction[]): void {
    for (const a of actions) {
      switch (a.type) {
        case 'send': this.send(n, a.to, a.bytes); break;
        case 'wake': this.scheduleWake(n, a.atMs); break;
        case 'sequence': n.lastSequence = a.sequence; break;
        case 'routes-changed': this.lastRouteChangeAt = this.now; break;
        case 'revocation-list': this.dropRevokedLinks(n, a.revoked); break;
        default: break;
      }
    }
    const spf = n.router?.stats.spfWorstMs ?? 0;
    if (spf > this.worstSpfMs) this.worstSpfMs = spf;
  }

  /** Mean route computation time (real ms) over the running routers. */
  meanSpfMs(): number {
    let ms = 0;
    let runs = 0;
    for (const n of this.nodes) {
      ms += n.router?.stats.spfTotalMs ?? 0;
      runs += n.router?.stats.spfRuns ?? 0;
    }
    return runs === 0 ? 0 : ms / runs;
  }

  /** As the daemon does: a node that learns of a revocation closes its links to the revoked keys. */
  private dropRevokedLinks(n: SimNode, revoked: readonly string[]): void {
    for (const id of revoked) {
      const other = this.byId.get(id);
      const l = other === undefined ? undefined : this.links.get(linkKey(n.index, other));
      if (l !== undefined) this.setLink(l, false);
    }
  }

  /** A revocation list issued at one node (e.g. the operator ran `skein ca revoke` there). */
  injectRevocationList(i: number, bytes: Uint8Array): void {
    const n = this.node(i);
    if (n.router !== undefined) this.apply(n, n.router.addRevocationList(bytes, this.now));
  }

  private scheduleWake(n: SimNode, atMs: number): void {
    if (!(atMs < n.nextTickAt)) return;
    n.nextTickAt = atMs;
    const router = n.router;
    this.queue.at(atMs, () => {
      if (n.nextTickAt !== atMs || n.router !== router) return;
      n.nextTickAt = Infinity;
      this.tick(n);
    });
  }

  private send(from: SimNode, toId: string, bytes: Uint8Array): void {
    const to = this.byId.get(toId);
    const l = to === undefined ? undefined : this.links.get(linkKey(from.index, to));
    if (to === undefined || l === undefined || !l.up) return;
    from.messagesSent++;
    from.bytesSent += bytes.byteLength;
    this.lastSendAt = this.now;
    if (this.opts.lossRate > 0 && this.rng.float() < this.opts.lossRate) {
      this.messagesLost++;
      return;
    }
    const generation = l.generation;
    const target = this.node(to);
    const fromId = from.identity.idText;
    this.queue.at(this.now + l.delayMs, () => {
      if (!l.up || l.generation !== generation || target.router === undefined) return;
      this.apply(target, target.router.receive(fromId, bytes, this.now));
    });
  }

  /**
   * Runs events until nothing was sent and no route changed for `quietMs`
   * (then the clock stands at the last activity + quietMs), or until
   * `maxMs` passed. Returns true when quiet.
   */
  runUntilQuiet(quietMs: number, maxMs: number): boolean {
    const deadline = this.now + maxMs;
    this.lastSendAt = Math.max(this.lastSendAt, this.now); // the phase's start counts as activity
    for (;;) {
      const last = Math.max(this.lastSendAt, this.lastRouteChangeAt);
      const quietAt = Math.max(this.now, last + quietMs);
      const next = this.queue.nextTime();
      if (next > quietAt) {
        if (quietAt > deadline) break;
        this.queue.advanceTo(quietAt);
        return true;
      }
      if (next > deadline) break;
      this.queue.step();
    }
    this.queue.advanceTo(deadline);
    return false;
  }

  /** Runs every event up to `timeMs` later. */
  runFor(timeMs: number): void {
    const until = this.now + timeMs;
    while (this.queue.nextTime() <= until) this.queue.step();
    this.queue.advanceTo(until);
  }
}
