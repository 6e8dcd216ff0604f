/**
 * The connection tracker: flows the rules admitted, so their replies pass
 * without a rule of their own and without the rules being matched again.
 * Pure: every call is given the monotonic time; nothing here reads a clock
 * or arms a timer (the node sweeps it on a timer of its own).
 *
 * A flow is keyed by the peer (its proven node id) and, within the peer, by
 * a number packing the protocol and both ports as seen from this node:
 *   protoKey * 2^32 + localPort * 2^16 + remotePort   (< 2^53: exact)
 * so the hot path builds no string and allocates nothing.
 *
 * Bounds: at most `maxFlowsPerPeer` flows for one peer (its own oldest idle
 * flow makes room), and `maxFlows` for all (the peer with the most flows
 * gives one up). Eviction is second chance over insertion order: the oldest
 * flow goes unless it was used since the hand last passed it, in which case
 * it moves to the back and the next is tried, so making room costs O(1)
 * amortised and a flow in steady use outlives idle ones. Idle flows expire
 * after their timeout, checked on lookup and by `sweep`.
 */
import type { ConntrackSettings, Direction } from './rules.js';

const PORT_SPACE = 0x1_0000;
const PROTO_SHIFT = PORT_SPACE * PORT_SPACE;

export function flowKey(protoKey: number, localPort: number, remotePort: number): number {
  return protoKey * PROTO_SHIFT + localPort * PORT_SPACE + remotePort;
}

export function flowKeyParts(key: number): { protoKey: number; localPort: number; remotePort: number } {
  const protoKey = Math.floor(key / PROTO_SHIFT);
  const rest = key - protoKey * PROTO_SHIFT;
  return { protoKey, localPort: Math.floor(rest / PORT_SPACE), remotePort: rest % PORT_SPACE };
}

export interface TrackedFlow {
  readonly key: number;
  /** The direction of the packet that began it: reloads re-check it against that direction's rules. */
  readonly origin: Direction;
  /** The rule that admitted it (index in its direction), -1 for the direction's default policy. */
  ruleIndex: number;
  lastSeenMs: number;
  timeoutMs: number;
  /**
   * Forbidden by rules loaded after it began: its packets are dropped, in
   * both directions, until it has been quiet for its timeout. (Forgetting it
   * instead would let the next packet of the other side begin it afresh.)
   */
  cut: boolean;
  /** Used since the eviction hand last passed it. */
  referenced: boolean;
}

export interface ConntrackCounters {
  created: number;
  expired: number;
  /** Pushed out to make room (a full table, or a peer at its own bound). */
  evicted: number;
}

interface PeerFlows<P> {
  peer: P;
  flows: Map<number, TrackedFlow>;
}

export class ConnTracker<P extends { readonly idText: string }> {
  private readonly peers = new Map<string, PeerFlows<P>>();
  private total = 0;
  readonly counters: ConntrackCounters = { created: 0, expired: 0, evicted: 0 };

  constructor(private limits: Readonly<Pick<ConntrackSettings, 'maxFlows' | 'maxFlowsPerPeer'>>) {}

  get size(): number {
    return this.total;
  }

  get maxFlows(): number {
    return this.limits.maxFlows;
  }

  /** New bounds (a reload): flows beyond them go at once, idle ones first. */
  setLimits(limits: Readonly<Pick<ConntrackSettings, 'maxFlows' | 'maxFlowsPerPeer'>>, nowMs: number): void {
    this.limits = limits;
    for (const entry of this.peers.values()) while (entry.flows.size > limits.maxFlowsPerPeer) this.evictFrom(entry, nowMs);
    while (this.total > limits.maxFlows) this.evictFromLargest(nowMs);
  }

  /** The live flow, marked used; undefined when there is none or it has expired (then it is removed). */
  lookup(peerId: string, key: number, nowMs: number): TrackedFlow | undefined {
    const flow = this.peek(peerId, key, nowMs);
    if (flow === undefined) return undefined;
    flow.lastSeenMs = nowMs;
    flow.referenced = true;
    return flow;
  }

  /** The live flow without marking it used (an ICMPv6 error about it does not keep it alive). */
  peek(peerId: string, key: number, nowMs: number): TrackedFlow | undefined {
    const entry = this.peers.get(peerId);
    const flow = entry?.flows.get(key);
    if (entry === undefined || flow === undefined) return undefined;
    if (nowMs - flow.lastSeenMs <= flow.timeoutMs) return flow;
    this.remove(entry, key);
    this.counters.expired++;
    return undefined;
  }

  /** Track a new flow with `peer` (its identity is kept for reloads), making room first when a bound is reached. */
  track(peer: P, key: number, origin: Direction, ruleIndex: number, timeoutMs: number, nowMs: number): TrackedFlow {
    let entry = this.peers.get(peer.idText);
    if (entry === undefined) {
      entry = { peer, flows: new Map() };
      this.peers.set(peer.idText, entry);
    } else {
      entry.peer = peer;
      const existing = entry.flows.get(key);
      if (existing !== undefined) this.remove(entry, key);
    }
    if (entry.flows.size >= this.limits.maxFlowsPerPeer) this.evictFrom(entry, nowMs);
    if (this.total >= this.limits.maxFlows) this.evictFromLargest(nowMs);
    // Making room may have taken this peer's last flow, and its entry with it.
    if (!this.peers.has(peer.idText)) this.peers.set(peer.idText, entry);
    const flow: TrackedFlow = { key, origin, ruleIndex, lastSeenMs: nowMs, timeoutMs, cut: false, referenced: false };
    entry.flows.set(key, flow);
    this.total++;
    this.counters.created++;
    return flow;
  }

  /** Remove every expired flow; returns how many went. O(flows): call it every few seconds, not per packet. */
  sweep(nowMs: number): number {
    let removed = 0;
    for (const entry of this.peers.values()) {
      for (const [key, flow] of entry.flows) {
        if (nowMs - flow.lastSeenMs > flow.timeoutMs) {
          this.remove(entry, key);
          removed++;
        }
      }
    }
    this.counters.expired += removed;
    return removed;
  }

  /** Every flow with its peer (for reloads and `skein firewall`). */
  *entries(): IterableIterator<[P, TrackedFlow]> {
    for (const entry of this.peers.values()) for (const flow of entry.flows.values()) yield [entry.peer, flow];
  }

  /** Flows held for one peer now. */
  flowsOf(peerId: string): number {
    return this.peers.get(peerId)?.flows.size ?? 0;
  }

  private remove(entry: PeerFlows<P>, key: number): void {
    if (!entry.flows.delete(key)) return;
    this.total--;
    if (entry.flows.size === 0) this.peers.delete(entry.peer.idText);
  }

  /** Second chance: the first flow not used since the hand last passed goes; used ones move to the back. */
  private evictFrom(entry: PeerFlows<P>, nowMs: number): void {
    const flows = entry.flows;
    for (let steps = flows.size * 2 + 1; steps > 0; steps--) {
      const first = flows.entries().next();
      if (first.done === true) return;
      const [key, flow] = first.value;
      if (nowMs - flow.lastSeenMs > flow.timeoutMs) {
        this.remove(entry, key);
        this.counters.expired++;
        return;
      }
      if (!flow.referenced) {
        this.remove(entry, key);
        this.counters.evicted++;
        return;
      }
      flow.referenced = false;
      flows.delete(key);
      flows.set(key, flow);
    }
  }

  /** The peer holding the most flows gives one up (scans peers: runs only when the whole table is full). */
  private evictFromLargest(nowMs: number): void {
    let largest: PeerFlows<P> | undefined;
    for (const entry of this.peers.values()) if (largest === undefined || entry.flows.size > largest.flows.size) largest = entry;
    if (largest !== undefined) this.evictFrom(largest, nowMs);
  }
}
