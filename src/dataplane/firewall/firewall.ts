/**
 * The firewall's decision on one IPv6 packet, in either direction, given the
 * peer's proven identity. Pure: time is passed in; counters are kept here,
 * logs and events are the caller's.
 *
 *   packet ─► transport fields (bounded; unreadable: drop)
 *          ─► ICMPv6 error? its quoted packet belongs to a tracked flow: pass
 *          ─► tracked flow? pass (a flow cut by a reload: drop)
 *          ─► rules of this direction, first match: allow (track the flow) or deny
 *          ─► no match: the direction's default — inbound denies once any inbound
 *             rule exists, outbound denies once any outbound rule exists
 *
 * With no rule in either direction the firewall is open: nothing is parsed or
 * tracked (`active` is false and the caller skips it).
 *
 * Flow keys (conntrack.ts), local and remote ports as seen from this node:
 *   TCP, UDP: (proto, our port, their port); other protocols: (proto, 0, 0)
 *   ICMPv6 echo: (58, id, 0) when we asked, (58, 0, id) when they asked
 *   library datagrams: (DATAGRAM_PROTO_KEY, port, 0) in both directions (see `datagram`)
 */
import { ConnTracker, flowKey, flowKeyParts, type TrackedFlow } from './conntrack.js';
import { emptyFlowFields, IpProto, readFlowFields, TcpFlag, type FlowFields } from './flow-fields.js';
import { certifiedName, RuleSet, type FirewallPeer, type HoldsName, type MatchFields } from './match.js';
import type { ConntrackSettings, Direction, FirewallRule, FirewallSettings } from './rules.js';

/** ICMPv6 types below this are errors (RFC 4443 2.1). */
const FIRST_INFORMATIONAL_TYPE = 128;
const ICMP_ECHO_REQUEST = 128;
const ICMP_ECHO_REPLY = 129;
/** Error header before the quoted packet: type, code, checksum, 4 bytes (unused, MTU or pointer). */
const ICMP_ERROR_HEADER_BYTES = 8;
/** A TCP flow that has seen FIN or RST keeps its state at most this long (its last segments and retransmissions). */
export const TCP_CLOSING_TIMEOUT_MS = 60_000;
/** Not an IP protocol number (those are 0-255): library datagrams have their own flows. */
export const DATAGRAM_PROTO_KEY = 0x100 | IpProto.UDP;

export type VerdictReason = 'tracked' | 'icmp-error' | 'rule' | 'default' | 'cut' | 'malformed';

export interface Verdict {
  readonly allow: boolean;
  readonly reason: VerdictReason;
  /** The rule that decided (reason 'rule'). */
  readonly rule?: FirewallRule;
}

/** Drops not decided by a rule of their own. */
export interface ReasonDrops {
  default: number;
  cut: number;
  malformed: number;
}

export interface FirewallCounters {
  /** Packets of tracked flows passed. */
  passedTracked: number;
  /** New flows admitted (by a rule or the default). */
  flowsAdmitted: number;
  /** ICMPv6 errors passed because they quote a tracked flow. */
  icmpErrorsPassed: number;
  drops: Record<Direction, ReasonDrops>;
}

export interface FirewallOptions {
  settings: FirewallSettings;
  /** The identity of a member we send to (outbound packets carry only its node id). */
  lookupPeer: (idText: string) => FirewallPeer | undefined;
  holdsName?: HoldsName;
}

const verdict = (allow: boolean, reason: VerdictReason, rule?: FirewallRule): Verdict => Object.freeze(rule ? { allow, reason, rule } : { allow, reason });
const PASS_TRACKED = verdict(true, 'tracked');
const PASS_ICMP_ERROR = verdict(true, 'icmp-error');
const DROP_CUT = verdict(false, 'cut');
const DROP_MALFORMED = verdict(false, 'malformed');
const PASS_DEFAULT = verdict(true, 'default');
const DROP_DEFAULT = verdict(false, 'default');

interface DirectionState {
  rules: RuleSet;
  /** One frozen verdict per rule (no allocation per packet). */
  verdicts: Map<FirewallRule, Verdict>;
  defaultVerdict: Verdict;
}

const zeroReasons = (): ReasonDrops => ({ default: 0, cut: 0, malformed: 0 });

export class Firewall {
  readonly counters: FirewallCounters = { passedTracked: 0, flowsAdmitted: 0, icmpErrorsPassed: 0, drops: { inbound: zeroReasons(), outbound: zeroReasons() } };
  readonly flows: ConnTracker<FirewallPeer>;
  private inboundState!: DirectionState;
  private outboundState!: DirectionState;
  private conntrack!: ConntrackSettings;
  /** Drops by rule, keyed by direction and label, so a rule that survives a reload keeps its count. */
  private ruleDrops = new Map<string, number>();
  private readonly fields: FlowFields = emptyFlowFields();
  private readonly quoted: FlowFields = emptyFlowFields();
  private readonly holdsName: HoldsName;

  constructor(private readonly opts: FirewallOptions) {
    this.holdsName = opts.holdsName ?? certifiedName;
    this.flows = new ConnTracker(opts.settings.conntrack);
    this.install(opts.settings);
  }

  /** False with no rules at all: every packet passes and nothing needs to be tracked. */
  get active(): boolean {
    return !this.inboundState.rules.isEmpty || !this.outboundState.rules.isEmpty;
  }

  rules(direction: Direction): readonly FirewallRule[] {
    return this.state(direction).rules.rules;
  }

  defaultAllows(direction: Direction): boolean {
    return this.state(direction).defaultVerdict.allow;
  }

  dropsOf(rule: FirewallRule): number {
    return this.ruleDrops.get(dropKey(rule)) ?? 0;
  }

  /** A packet `peer` sent us, after its session authenticated it. */
  inbound(peer: FirewallPeer, packet: Uint8Array, nowMs: number): Verdict {
    return this.judgePacket('inbound', peer.idText, peer, packet, nowMs);
  }

  /** A packet for member `peerId`, before it is sealed. */
  outbound(peerId: string, packet: Uint8Array, nowMs: number): Verdict {
    return this.judgePacket('outbound', peerId, undefined, packet, nowMs);
  }

  /**
   * A library datagram to or from `port`. Judged as UDP to that port (the
   * datagram header carries one port, no source port). Flows are (peer,
   * port): a datagram we sent to a peer's port P lets that peer's datagrams
   * to our port P back in, and the other way round.
   */
  datagram(direction: Direction, peer: FirewallPeer, port: number, nowMs: number): Verdict {
    if (!this.active) return PASS_DEFAULT;
    const key = flowKey(DATAGRAM_PROTO_KEY, port, 0);
    const tracked = this.flows.lookup(peer.idText, key, nowMs);
    if (tracked !== undefined) return this.trackedVerdict(direction, tracked);
    return this.judgeNew(direction, peer, { proto: IpProto.UDP, dstPort: port, hasPorts: true }, key, this.conntrack.udpTimeoutMs, nowMs);
  }

  /**
   * New rules, at once: every tracked flow is judged again against the rules
   * of the direction that began it; one they now forbid is cut (its packets
   * dropped both ways until it goes quiet), one they allow again is restored.
   */
  replace(settings: FirewallSettings, nowMs: number): { cut: number; restored: number } {
    const keep = new Set([...settings.inbound, ...settings.outbound].map(dropKey));
    this.ruleDrops = new Map([...this.ruleDrops].filter(([k]) => keep.has(k)));
    this.install(settings);
    this.flows.setLimits(settings.conntrack, nowMs);
    let cut = 0;
    let restored = 0;
    for (const [peer, flow] of this.flows.entries()) {
      const allowed = this.decideNew(flow.origin, peer, flowMatchFields(flow)).allow;
      if (!allowed && !flow.cut) cut++;
      if (allowed && flow.cut) restored++;
      flow.cut = !allowed;
      // The new timeouts apply to every flow; one that saw FIN or RST keeps its closing bound.
      flow.timeoutMs = Math.min(this.timeoutFor(flowKeyParts(flow.key).protoKey), flow.timeoutMs === TCP_CLOSING_TIMEOUT_MS ? TCP_CLOSING_TIMEOUT_MS : Infinity);
    }
    return { cut, restored };
  }

  /** Remove idle flows; see ConnTracker.sweep. */
  sweep(nowMs: number): number {
    return this.flows.sweep(nowMs);
  }

  private install(settings: FirewallSettings): void {
    this.conntrack = settings.conntrack;
    this.inboundState = this.directionState(settings.inbound);
    this.outboundState = this.directionState(settings.outbound);
  }

  private directionState(rules: readonly FirewallRule[]): DirectionState {
    const set = new RuleSet(rules, this.holdsName);
    return { rules: set, verdicts: new Map(rules.map((r) => [r, verdict(r.action === 'allow', 'rule', r)])), defaultVerdict: set.isEmpty ? PASS_DEFAULT : DROP_DEFAULT };
  }

  private state(direction: Direction): DirectionState {
    return direction === 'inbound' ? this.inboundState : this.outboundState;
  }

  private judgePacket(direction: Direction, peerId: string, known: FirewallPeer | undefined, packet: Uint8Array, nowMs: number): Verdict {
    const f = this.fields;
    if (readFlowFields(packet, f) !== 'ok') return this.drop(direction, DROP_MALFORMED);
    const inbound = direction === 'inbound';
    let key: number;
    let timeoutMs: number;
    if (f.proto === IpProto.ICMPV6 && !f.laterFragment) {
      if (f.icmpType < FIRST_INFORMATIONAL_TYPE) {
        if (this.quotesTrackedFlow(direction, peerId, packet, nowMs)) {
          this.counters.icmpErrorsPassed++;
          return PASS_ICMP_ERROR;
        }
        return this.judgeUntracked(direction, peerId, known, f);
      }
      if (f.icmpType === ICMP_ECHO_REQUEST) key = inbound ? flowKey(IpProto.ICMPV6, 0, f.icmpId) : flowKey(IpProto.ICMPV6, f.icmpId, 0);
      else if (f.icmpType === ICMP_ECHO_REPLY) key = inbound ? flowKey(IpProto.ICMPV6, f.icmpId, 0) : flowKey(IpProto.ICMPV6, 0, f.icmpId);
      else return this.judgeUntracked(direction, peerId, known, f);
      timeoutMs = this.conntrack.icmpTimeoutMs;
    } else if ((f.proto === IpProto.TCP || f.proto === IpProto.UDP) && !f.laterFragment) {
      key = inbound ? flowKey(f.proto, f.dstPort, f.srcPort) : flowKey(f.proto, f.srcPort, f.dstPort);
      timeoutMs = f.proto === IpProto.TCP ? this.conntrack.tcpTimeoutMs : this.conntrack.udpTimeoutMs;
    } else {
      key = flowKey(f.proto, 0, 0);
      timeoutMs = this.timeoutFor(f.proto);
    }
    const closing = f.proto === IpProto.TCP && (f.tcpFlags & (TcpFlag.FIN | TcpFlag.RST)) !== 0;
    const tracked = this.flows.lookup(peerId, key, nowMs);
    if (tracked !== undefined) {
      if (closing) tracked.timeoutMs = Math.min(tracked.timeoutMs, TCP_CLOSING_TIMEOUT_MS);
      return this.trackedVerdict(direction, tracked);
    }
    const peer = known ?? this.identify(peerId);
    const hasPorts = (f.proto === IpProto.TCP || f.proto === IpProto.UDP) && !f.laterFragment;
    return this.judgeNew(direction, peer, { proto: f.proto, dstPort: hasPorts ? f.dstPort : 0, hasPorts }, key, closing ? Math.min(timeoutMs, TCP_CLOSING_TIMEOUT_MS) : timeoutMs, nowMs);
  }

  private trackedVerdict(direction: Direction, flow: TrackedFlow): Verdict {
    if (flow.cut) return this.drop(direction, DROP_CUT);
    this.counters.passedTracked++;
    return PASS_TRACKED;
  }

  /** No flow yet: the rules decide, and an allowed packet begins a flow. */
  private judgeNew(direction: Direction, peer: FirewallPeer, m: MatchFields, key: number, timeoutMs: number, nowMs: number): Verdict {
    const v = this.decideNew(direction, peer, m);
    if (!v.allow) return this.drop(direction, v);
    this.flows.track(peer, key, direction, v.rule?.index ?? -1, timeoutMs, nowMs);
    this.counters.flowsAdmitted++;
    return v;
  }

  /** ICMPv6 messages that belong to no flow (errors about untracked packets, neighbour and multicast chatter): rules only. */
  private judgeUntracked(direction: Direction, peerId: string, known: FirewallPeer | undefined, f: FlowFields): Verdict {
    const v = this.decideNew(direction, known ?? this.identify(peerId), { proto: f.proto, dstPort: 0, hasPorts: false });
    return v.allow ? v : this.drop(direction, v);
  }

  private decideNew(direction: Direction, peer: FirewallPeer, m: MatchFields): Verdict {
    const s = this.state(direction);
    const rule = s.rules.match(m, peer);
    return rule === undefined ? s.defaultVerdict : s.verdicts.get(rule)!;
  }

  /**
   * Whether an ICMPv6 error quotes a packet of a live flow with this peer:
   * an error we receive quotes a packet we sent (outbound), one we send
   * quotes a packet we received.
   */
  private quotesTrackedFlow(direction: Direction, peerId: string, packet: Uint8Array, nowMs: number): boolean {
    const q = this.quoted;
    if (readFlowFields(packet, q, { start: this.fields.transportOffset + ICMP_ERROR_HEADER_BYTES, quoted: true }) !== 'ok' || q.laterFragment) return false;
    const quotedWasOutbound = direction === 'inbound';
    let key: number;
    if (q.proto === IpProto.TCP || q.proto === IpProto.UDP) key = quotedWasOutbound ? flowKey(q.proto, q.srcPort, q.dstPort) : flowKey(q.proto, q.dstPort, q.srcPort);
    else if (q.proto === IpProto.ICMPV6 && q.icmpType === ICMP_ECHO_REQUEST) key = quotedWasOutbound ? flowKey(IpProto.ICMPV6, q.icmpId, 0) : flowKey(IpProto.ICMPV6, 0, q.icmpId);
    else if (q.proto === IpProto.ICMPV6 && q.icmpType === ICMP_ECHO_REPLY) key = quotedWasOutbound ? flowKey(IpProto.ICMPV6, 0, q.icmpId) : flowKey(IpProto.ICMPV6, q.icmpId, 0);
    else if (q.proto === IpProto.ICMPV6) return false;
    else key = flowKey(q.proto, 0, 0);
    const flow = this.flows.peek(peerId, key, nowMs);
    return flow !== undefined && !flow.cut;
  }

  /** A member we know only by id: its identity from routing, or just the id (rules by id still apply). */
  private identify(peerId: string): FirewallPeer {
    return this.opts.lookupPeer(peerId) ?? { idText: peerId, name: '', groups: [] };
  }

  private timeoutFor(protoKey: number): number {
    const c = this.conntrack;
    if (protoKey === IpProto.TCP) return c.tcpTimeoutMs;
    if (protoKey === IpProto.UDP || protoKey === DATAGRAM_PROTO_KEY) return c.udpTimeoutMs;
    if (protoKey === IpProto.ICMPV6) return c.icmpTimeoutMs;
    return c.otherTimeoutMs;
  }

  private drop(direction: Direction, v: Verdict): Verdict {
    if (v.rule !== undefined) {
      const k = dropKey(v.rule);
      this.ruleDrops.set(k, (this.ruleDrops.get(k) ?? 0) + 1);
    } else if (v.reason === 'default' || v.reason === 'cut' || v.reason === 'malformed') {
      this.counters.drops[direction][v.reason]++;
    }
    return v;
  }
}

function dropKey(rule: FirewallRule): string {
  return `${rule.direction}\u0000${rule.label}`;
}

/** What the rules see of a tracked flow when judged again: its protocol and the port its first packet went to. */
function flowMatchFields(flow: TrackedFlow): MatchFields {
  const { protoKey, localPort, remotePort } = flowKeyParts(flow.key);
  if (protoKey === DATAGRAM_PROTO_KEY) return { proto: IpProto.UDP, dstPort: localPort, hasPorts: true };
  if (protoKey === IpProto.TCP || protoKey === IpProto.UDP) return { proto: protoKey, dstPort: flow.origin === 'inbound' ? localPort : remotePort, hasPorts: true };
  return { proto: protoKey, dstPort: 0, hasPorts: false };
}
