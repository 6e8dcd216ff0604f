/**
 * The firewall in the daemon: the pure core (dataplane/firewall/) given the
 * node's clock, the members' identities, logs, events and the admin API.
 *
 *   TUN host:  session payload (proven sender) ─► admitInbound ─► TUN write
 *              TUN read ─► member ─► admitOutbound ─► session seal
 *   library:   datagram in ─► admitDatagram('inbound') ─► port handler
 *              send ─► admitDatagram('outbound') ─► session seal
 *
 * A drop is counted (by rule, or by reason when no rule decided), logged at
 * debug with the rule, and published as a `firewallDrop` event at most
 * DROP_EVENT_RATE per second (the rest are counted in the next event's
 * `suppressed`). Idle flows are swept every CONNTRACK_SWEEP_INTERVAL_MS.
 */
import { Firewall, type Verdict } from '../dataplane/firewall/firewall.js';
import { emptyFlowFields, IpProto, readFlowFields } from '../dataplane/firewall/flow-fields.js';
import type { FirewallPeer } from '../dataplane/firewall/match.js';
import { describeRule, type Direction, type FirewallSettings } from '../dataplane/firewall/rules.js';
import type { AdminServer } from '../control/server.js';
import type { Clock, TimerHandle } from '../util/clock.js';
import type { Logger } from '../util/log.js';
import { TokenBucket, type RateLimit } from '../util/token-bucket.js';
import type { NodeEvent } from '../control/protocol.js';
import type { FirewallStatus } from '../control/protocol.js';

/** How often idle flows are removed (each sweep walks every flow once). */
export const CONNTRACK_SWEEP_INTERVAL_MS = 5_000;
/** `firewallDrop` events: a burst, then this many per second; the rest are counted, not published. */
export const DROP_EVENT_RATE: Readonly<RateLimit> = Object.freeze({ perSecond: 5, burst: 20 });

export interface FirewallHostOptions {
  settings: FirewallSettings;
  clock: Clock;
  log: Logger;
  events: { publish(e: NodeEvent): void };
  /** A reachable member's identity by node id, from its verified record. */
  member: (idText: string) => FirewallPeer | undefined;
  /** The member a name resolves to (one member per name, the same everywhere). */
  resolveName: (name: string) => { id: string } | undefined;
}



const PROTO_NAMES: Record<number, string> = { [IpProto.TCP]: 'tcp', [IpProto.UDP]: 'udp', [IpProto.ICMPV6]: 'icmp' };

export class FirewallHost {
  readonly name = 'firewall';
  readonly core: Firewall;
  private settings: FirewallSettings;
  private sweepTimer: TimerHandle | undefined;
  private readonly dropEvents: TokenBucket;
  private suppressedSinceEvent = 0;
  private suppressedTotal = 0;
  private readonly describeFields = emptyFlowFields();

  constructor(private readonly opts: FirewallHostOptions) {
    this.settings = opts.settings;
    this.core = new Firewall({
      settings: opts.settings,
      lookupPeer: opts.member,
      // A name two certificates carry belongs to the member it resolves to, not to both.
      holdsName: (peer, name) => peer.name === name && (opts.resolveName(name)?.id ?? peer.idText) === peer.idText,
    });
    this.dropEvents = new TokenBucket(DROP_EVENT_RATE, opts.clock.monotonic());
  }

  start(): void {
    this.scheduleSweep();
  }

  stop(): void {
    this.sweepTimer?.cancel();
    this.sweepTimer = undefined;
  }

  /** No rules: every packet passes untracked. */
  get passesAll(): boolean {
    return !this.core.active;
  }

  /** A packet `from` sent us through its session (its inner addresses already checked). */
  admitInbound(from: FirewallPeer, packet: Uint8Array): boolean {
    if (!this.core.active) return true;
    return this.settle('inbound', from.idText, from.name, this.core.inbound(from, packet, this.opts.clock.monotonic()), packet);
  }

  /** A packet for member `to` (node id), before it is sealed. */
  admitOutbound(to: string, packet: Uint8Array): boolean {
    if (!this.core.active) return true;
    return this.settle('outbound', to, undefined, this.core.outbound(to, packet, this.opts.clock.monotonic()), packet);
  }

  /** A library datagram from `peer`, or to the member with node id `peer`. */
  admitDatagram(direction: Direction, peer: FirewallPeer | string, port: number): boolean {
    if (!this.core.active) return true;
    const who = typeof peer === 'string' ? (this.opts.member(peer) ?? { idText: peer, name: '', groups: [] }) : peer;
    const v = this.core.datagram(direction, who, port, this.opts.clock.monotonic());
    return this.settle(direction, who.idText, who.name, v, undefined, { proto: 'datagram', port });
  }

  /** New settings (a reload): rules apply at once and tracked flows they forbid are cut. */
  reload(settings: FirewallSettings): void {
    this.settings = settings;
    const { cut, restored } = this.core.replace(settings, this.opts.clock.monotonic());
    this.opts.log.info({ inbound: settings.inbound.length, outbound: settings.outbound.length, flowsCut: cut, flowsRestored: restored }, 'firewall rules applied');
  }

  status(): FirewallStatus {
    const core = this.core;
    const rules = [...core.rules('inbound'), ...core.rules('outbound')].map((r) => ({ direction: r.direction, index: r.index, label: r.label, rule: describeRule(r), drops: core.dropsOf(r) }));
    let cut = 0;
    for (const [, flow] of core.flows.entries()) if (flow.cut) cut++;
    const c = core.counters;
    return {
      active: core.active,
      defaults: { inbound: core.defaultAllows('inbound') ? 'allow' : 'deny', outbound: core.defaultAllows('outbound') ? 'allow' : 'deny' },
      rules,
      flows: { tracked: core.flows.size, cut, max: this.settings.conntrack.maxFlows, maxPerPeer: this.settings.conntrack.maxFlowsPerPeer, ...core.flows.counters },
      passed: { tracked: c.passedTracked, flowsAdmitted: c.flowsAdmitted, icmpErrors: c.icmpErrorsPassed },
      drops: { inbound: { ...c.drops.inbound }, outbound: { ...c.drops.outbound } },
      dropEventsSuppressed: this.suppressedTotal,
    };
  }

  /** The admin API's `firewall` method (what `skein firewall` shows). */
  registerAdmin(admin: Pick<AdminServer, 'register'>): void {
    admin.register('firewall', () => this.status());
  }

  /** Log and publish what a verdict means; returns whether the packet passes. */
  private settle(direction: Direction, peerId: string, peerName: string | undefined, v: Verdict, packet: Uint8Array | undefined, datagram?: { proto: string; port: number }): boolean {
    const log = this.opts.log;
    if (v.allow) {
      if (v.reason !== 'tracked' && v.reason !== 'icmp-error' && log.isLevelEnabled('debug')) {
        log.debug({ direction, peer: peerName ?? this.nameOf(peerId), id: peerId, ...(datagram ?? this.describe(packet)), rule: ruleName(direction, v) }, 'firewall: new flow allowed');
      }
      return true;
    }
    const debug = log.isLevelEnabled('debug');
    const publish = this.dropEvents.take(this.opts.clock.monotonic());
    if (!debug && !publish) {
      this.suppressedSinceEvent++;
      this.suppressedTotal++;
      return false;
    }
    const what = { direction, peer: peerName ?? this.nameOf(peerId), id: peerId, ...(datagram ?? this.describe(packet)), rule: ruleName(direction, v) };
    if (debug) log.debug(what, 'firewall: packet dropped');
    if (publish) {
      this.opts.events.publish({ type: 'firewallDrop', ...what, suppressed: this.suppressedSinceEvent });
      this.suppressedSinceEvent = 0;
    } else {
      this.suppressedSinceEvent++;
      this.suppressedTotal++;
    }
    return false;
  }

  private nameOf(peerId: string): string {
    return this.opts.member(peerId)?.name ?? '';
  }

  private describe(packet: Uint8Array | undefined): { proto: string; port: number | null } {
    const f = this.describeFields;
    if (packet === undefined || readFlowFields(packet, f) !== 'ok') return { proto: 'unreadable', port: null };
    const hasPorts = (f.proto === IpProto.TCP || f.proto === IpProto.UDP) && !f.laterFragment;
    return { proto: PROTO_NAMES[f.proto] ?? String(f.proto), port: hasPorts ? f.dstPort : null };
  }

  private scheduleSweep(): void {
    this.sweepTimer = this.opts.clock.setTimeout(() => {
      this.core.sweep(this.opts.clock.monotonic());
      this.scheduleSweep();
    }, CONNTRACK_SWEEP_INTERVAL_MS);
  }
}

/** The rule label, or what decided instead: `inbound-default`, `cut-by-reload`, `malformed`. */
function ruleName(direction: Direction, v: Verdict): string {
  if (v.rule !== undefined) return v.rule.label;
  if (v.reason === 'default') return `${direction}-default`;
  return v.reason === 'cut' ? 'cut-by-reload' : v.reason;
}
