/**
 * The compiled rule set of one direction: rules sorted into one list per
 * transport (TCP, UDP, ICMPv6, anything else), each list in the operator's
 * order, so a packet is compared only with rules that can match its
 * protocol. The first rule that matches decides; none matching leaves the
 * decision to the direction's default.
 *
 * Who a packet is from (inbound) or to (outbound) is the peer's proven
 * identity: node id, certified name, certified groups. An address never
 * takes part.
 */
import type { Member } from '../../identity/member.js';
import { IpProto } from './flow-fields.js';
import type { FirewallRule } from './rules.js';

/** The identity rules are matched against: what the peer's verified certificate chain says. */
/** The member a packet is from or to, as the firewall matches it; groups absent: none. */
export type FirewallPeer = Readonly<Pick<Member, 'idText' | 'name'> & Partial<Pick<Member, 'groups'>>>;

/**
 * Whether `peer` holds `name`. The default: its certified name is `name`.
 * The node passes a stricter one: the member the name resolves to, so a
 * name two certificates carry matches one member, the same everywhere.
 */
export type HoldsName = (peer: FirewallPeer, name: string) => boolean;

export const certifiedName: HoldsName = (peer, name) => peer.name === name;

/** What the matcher needs of a packet: protocol, destination port (0: none), and whether it has ports at all. */
export interface MatchFields {
  proto: number;
  dstPort: number;
  /** TCP/UDP with a transport header (not a later fragment). */
  hasPorts: boolean;
}

export class RuleSet {
  private readonly tcp: FirewallRule[] = [];
  private readonly udp: FirewallRule[] = [];
  private readonly icmp: FirewallRule[] = [];
  private readonly other: FirewallRule[] = [];

  constructor(readonly rules: readonly FirewallRule[], private readonly holdsName: HoldsName = certifiedName) {
    for (const r of rules) {
      if (r.proto === 'tcp' || r.proto === 'any') this.tcp.push(r);
      if (r.proto === 'udp' || r.proto === 'any') this.udp.push(r);
      // A port names a TCP or UDP service: a rule with one never matches ICMPv6 or other protocols.
      if (r.proto === 'icmp' || (r.proto === 'any' && r.ports === null)) this.icmp.push(r);
      if (r.proto === 'any' && r.ports === null) this.other.push(r);
    }
  }

  get isEmpty(): boolean {
    return this.rules.length === 0;
  }

  /** The first rule matching the packet and peer, or undefined. */
  match(fields: MatchFields, peer: FirewallPeer): FirewallRule | undefined {
    const candidates = this.candidates(fields.proto);
    for (const r of candidates) {
      if (r.ports !== null && (!fields.hasPorts || fields.dstPort < r.ports.from || fields.dstPort > r.ports.to)) continue;
      if (this.matchesPeer(r, peer)) return r;
    }
    return undefined;
  }

  private candidates(proto: number): readonly FirewallRule[] {
    if (proto === IpProto.TCP) return this.tcp;
    if (proto === IpProto.UDP) return this.udp;
    if (proto === IpProto.ICMPV6) return this.icmp;
    return this.other;
  }

  private matchesPeer(rule: FirewallRule, peer: FirewallPeer): boolean {
    const w = rule.who;
    switch (w.kind) {
      case 'any': return true;
      case 'id': return peer.idText === w.id;
      case 'name': return this.holdsName(peer, w.name);
      case 'groups': {
        const held = peer.groups ?? [];
        for (const g of w.groups) if (!held.includes(g)) return false;
        return true;
      }
    }
  }
}
