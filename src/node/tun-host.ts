/**
 * The TUN data plane in the daemon: ordinary IPv6 applications across the
 * mesh, addressed by key-derived addresses in the cluster prefix.
 *
 *   outbound: TUN read batch ─► IPv6 check ─► destination address ─► member (address book)
 *             ─► firewall (outbound rules, tracked flows) ─► session seal (payload kind IP)
 *             ─► forwarder ─► next hop's link
 *             (sealed and framed in place: packets are read with room around them)
 *   inbound:  link ─► forwarder ─► session open (replay window) ─► payload kind IP
 *             ─► destination is us ─► inner source is the sender's address (anti-spoofing)
 *             ─► firewall (inbound rules by the sender's proven identity) ─► batched TUN write
 *
 * Without root or /dev/net/tun the node runs without this part and says so
 * once; the userspace API (skein ping, datagrams) keeps working. A small DNS
 * responder answers NAME.<cluster>.skein with members' addresses on the TUN
 * address, port 53.
 */
import { addressOfNode, checkInboundAddresses, clusterPrefix, clusterPrefixBytes, isInClusterPrefix, type NodeAddress } from '../dataplane/addressing.js';
import type { FirewallPeer } from '../dataplane/firewall/match.js';
import { AddressBook } from '../dataplane/address-book.js';
import { buildPacketTooBig } from '../dataplane/icmpv6.js';
import { IPV6_ADDRESS_BYTES, IPV6_DESTINATION_OFFSET, isIpv6Packet, addressAt } from '../dataplane/ipv6.js';
import { DEFAULT_PENDING_LIMITS, PendingPackets, type PendingCounters } from '../dataplane/pending-packets.js';
import { allocateWithRoom } from '../wire/frame-room.js';
import { MESH_MAX_IPV6_PACKET_BYTES } from '../dataplane/mtu.js';
import { openLinuxTun } from '../dataplane/tun-linux.js';
import type { ReadRoom, TunDevice, TunFactory, TunStats } from '../dataplane/tun-device.js';
import { DnsResponder, type DnsCounters } from '../dns/responder.js';
import { startDnsServer, type DnsServer } from '../dns/server.js';
import { zoneFor } from '../dns/zone.js';
import { isSkeinError, ErrorCodes, SkeinError } from '../util/errors.js';
import type { Logger } from '../util/log.js';
import { IP_PAYLOAD_HEADROOM, encodeSessionPayload, ipPayloadInPlace } from '../wire/session-payload.js';
import { SEAL_IN_PLACE_HEADROOM, SEAL_IN_PLACE_TAILROOM } from '../session/keypair.js';
import type { SessionPeer } from '../session/index.js';
import type { DataHost } from './data-host.js';
import type { NodeIdentity } from './identity.js';
import type { RoutingHost } from './routing-host.js';

/**
 * Room each packet is read with: the IP payload's kind byte, the session
 * header and tag, the link frame's header and tag. A packet then goes from
 * the TUN read buffer to the socket sealed twice and without a copy.
 */
export const TUN_READ_ROOM: Readonly<ReadRoom> = Object.freeze({
  headroom: IP_PAYLOAD_HEADROOM + SEAL_IN_PLACE_HEADROOM,
  tailroom: SEAL_IN_PLACE_TAILROOM,
});

/** Re-creating a deleted TUN device: first retry after this long, doubling up to the maximum. */
export const RECREATE_FIRST_DELAY_MS = 500;
export const RECREATE_MAX_DELAY_MS = 30_000;

export interface TunSettings {
  enabled: boolean;
  name: string;
  mtu: number;
  dnsEnabled: boolean;
  dnsPort: number;
  dnsSuffix: string;
}

export interface TunHostCounters {
  /** Read from TUN but not for any member (outside the prefix, ambiguous, or held for a joining member and dropped: see `pending`). */
  outNoMember: number;
  outNotIpv6: number;
  outTooBig: number;
  outSent: number;
  /** Arrived through a session but not addressed to us. */
  inWrongDestination: number;
  /** Arrived through member X's session with an inner source that is not X's address. */
  inSpoofed: number;
  /** Refused by the firewall (inbound), or not sent because of it (outbound). */
  inFiltered: number;
  outFiltered: number;
  inDelivered: number;
}

/** The firewall as the TUN path sees it (node/firewall-host.ts). */
export interface PacketFilter {
  admitInbound(from: FirewallPeer, packet: Uint8Array): boolean;
  admitOutbound(to: string, packet: Uint8Array): boolean;
}

export interface TunHostOptions {
  identity: NodeIdentity;
  routing: RoutingHost;
  data: DataHost;
  settings: TunSettings;
  log: Logger;
  /** Cluster name, for the DNS zone. */
  clusterName: string;
  firewall: PacketFilter;
  /** Default: the Linux TUN device. */
  openTun?: TunFactory;
}

export class TunHost {
  readonly name = 'tun';
  readonly address: NodeAddress;
  readonly prefix: string;
  readonly book: AddressBook;
  readonly counters: TunHostCounters = { outNoMember: 0, outNotIpv6: 0, outTooBig: 0, outSent: 0, inWrongDestination: 0, inSpoofed: 0, inFiltered: 0, outFiltered: 0, inDelivered: 0 };
  private tun: TunDevice | undefined;
  private dns: DnsServer | undefined;
  private dnsResponder: DnsResponder | undefined;
  private unavailableReason: string | undefined;
  private pendingWrites: Uint8Array[] = [];
  private readonly prefixBytes: Uint8Array;
  private readonly pending = new PendingPackets();
  private pendingSweep: NodeJS.Timeout | undefined;
  /** The DNS responder's start, under way or done (it never rejects: a failure is logged). */
  private dnsStarting: Promise<void> | undefined;
  /** The device reads packets with TUN_READ_ROOM around them: seal them over their own bytes. */
  private sealInPlace = false;
  private flushScheduled = false;
  private stopped = false;
  private recreateTimer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: TunHostOptions) {
    const clusterId = opts.identity.clusterId;
    this.address = addressOfNode(clusterId, opts.identity.key.id);
    this.prefix = clusterPrefix(clusterId);
    this.prefixBytes = clusterPrefixBytes(clusterId);
    this.book = new AddressBook(clusterId);
  }

  async start(): Promise<void> {
    const { settings, log, routing, data } = this.opts;
    const learnMembers = (): void => this.book.setMembers(routing.members().filter((m) => !m.self).map((m) => Buffer.from(m.id, 'hex')));
    // The daemon starts this after links and discovery, so routing may know members already.
    learnMembers();
    routing.on('routesChanged', () => {
      learnMembers();
      this.releasePending();
    });
    if (!settings.enabled) {
      this.unavailableReason = 'disabled in the config (tun.enabled = false)';
      return;
    }
    let device: TunDevice;
    try {
      device = await this.openDevice();
    } catch (err) {
      if (!isSkeinError(err, ErrorCodes.TUN_UNAVAILABLE)) throw err;
      this.unavailableReason = err.message;
      log.warn({ reason: err.message }, 'running without the TUN data plane; the userspace API (skein ping, datagrams, library) keeps working');
      return;
    }
    data.on('payload', (from, p) => { if (p.kind === 'ip') this.inbound(from, p.packet); });
    log.info({ device: device.name, address: this.address.text, prefix: this.prefix, mtu: device.mtu }, 'TUN data plane up');
    // Not awaited: nothing on the way to the first packet needs DNS, and a
    // start-up of four daemons on two cores showed it ~15-35 ms on that way.
    if (settings.dnsEnabled) this.dnsStarting = this.startDns(zoneFor(this.opts.clusterName, settings.dnsSuffix));
  }

  /** Open (or re-open) the device and wire its reads; rejects as the factory does. */
  private async openDevice(): Promise<TunDevice> {
    const { settings } = this.opts;
    const tun = await (this.opts.openTun ?? openLinuxTun)({ name: settings.name, mtu: settings.mtu, address: this.address.bytes, prefix: this.prefix, readRoom: TUN_READ_ROOM });
    if (this.stopped) {
      await tun.close();
      throw new SkeinError(ErrorCodes.TUN_UNAVAILABLE, `TUN ${tun.name}: the node is stopping`);
    }
    this.tun = tun;
    this.unavailableReason = undefined;
    this.sealInPlace = tun.readRoom.headroom >= TUN_READ_ROOM.headroom && tun.readRoom.tailroom >= TUN_READ_ROOM.tailroom;
    tun.onPackets((batch) => { for (const p of batch) this.outbound(p); });
    tun.onGone?.((reason) => void this.deviceGone(tun, reason));
    return tun;
  }

  /**
   * The interface was deleted under the node: say so at error level, close
   * our side, and re-create it, retrying with a growing delay while that
   * fails (the name may be taken meanwhile). Sessions and routing are not
   * touched: only the TUN data plane is down in between.
   */
  private async deviceGone(gone: TunDevice, reason: string): Promise<void> {
    if (this.tun !== gone || this.stopped) return;
    const { log } = this.opts;
    this.tun = undefined;
    this.unavailableReason = `${reason}; re-creating it`;
    log.error({ device: gone.name, reason }, `TUN device ${gone.name} was deleted under the running node: re-creating it`);
    await gone.close().catch(() => { /* its fd is detached already */ });
    let delayMs = 0;
    for (let attempt = 1; !this.stopped; attempt++) {
      if (delayMs > 0) await new Promise<void>((resolve) => { this.recreateTimer = setTimeout(resolve, delayMs); this.recreateTimer.unref(); });
      if (this.stopped) return;
      try {
        const tun = await this.openDevice();
        log.info({ device: tun.name, attempt }, `TUN device ${tun.name} re-created`);
        return;
      } catch (err) {
        this.unavailableReason = `${reason}; re-creating it failed: ${(err as Error).message}`;
        log.warn({ device: gone.name, attempt, reason: (err as Error).message }, `cannot re-create TUN device ${gone.name} yet`);
        delayMs = Math.min(RECREATE_MAX_DELAY_MS, Math.max(RECREATE_FIRST_DELAY_MS, delayMs * 2));
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.recreateTimer) clearTimeout(this.recreateTimer);
    if (this.pendingSweep) clearTimeout(this.pendingSweep);
    await this.dnsStarting;
    await this.dns?.close();
    this.dns = undefined;
    await this.tun?.close();
    this.tun = undefined;
  }

  status(): { address: string; prefix: string; device: string | null; mtu: number | null; unavailable: string | null; dns: string | null; counters: TunHostCounters; pending: PendingCounters; tun: TunStats | null; dnsCounters: DnsCounters | null } {
    return {
      address: this.address.text,
      prefix: this.prefix,
      device: this.tun?.name ?? null,
      mtu: this.tun?.mtu ?? null,
      unavailable: this.unavailableReason ?? null,
      dns: this.dns ? `[${this.dns.address}]:${this.dns.port}` : null,
      counters: { ...this.counters },
      pending: { ...this.pending.counters },
      tun: this.tun?.stats() ?? null,
      dnsCounters: this.dnsResponder ? { ...this.dnsResponder.counters } : null,
    };
  }

  /** Never rejects: a responder that cannot start is logged and the node runs on without it. */
  private async startDns(zone: string): Promise<void> {
    const { settings, routing, log } = this.opts;
    const clusterId = this.opts.identity.clusterId;
    this.dnsResponder = new DnsResponder({
      zone,
      lookup: (name) => {
        const m = routing.resolve(name);
        return m ? addressOfNode(clusterId, Buffer.from(m.id, 'hex')).bytes : undefined;
      },
    });
    try {
      this.dns = await startDnsServer({ host: this.address.text, port: settings.dnsPort, responder: this.dnsResponder });
      log.info({ zone, listen: `[${this.address.text}]:${settings.dnsPort}` }, 'DNS responder up');
    } catch (err) {
      log.warn({ reason: (err as Error).message }, 'DNS responder not started');
    }
  }

  /** A packet an application sent into TUN. */
  private outbound(packet: Uint8Array): void {
    if (!isIpv6Packet(packet)) {
      this.counters.outNotIpv6++;
      return;
    }
    if (packet.byteLength > MESH_MAX_IPV6_PACKET_BYTES) {
      this.counters.outTooBig++;
      const ptb = buildPacketTooBig({ packet, mtu: MESH_MAX_IPV6_PACKET_BYTES });
      if (ptb) this.queueWrite(ptb);
      return;
    }
    const dest = this.book.nodeAt(packet, IPV6_DESTINATION_OFFSET);
    if (dest === undefined) {
      if (!this.holdForJoiningMember(packet)) this.counters.outNoMember++;
      return;
    }
    this.sendTo(dest, packet);
  }

  private sendTo(dest: string, packet: Uint8Array): void {
    if (!this.opts.firewall.admitOutbound(dest, packet)) {
      this.counters.outFiltered++;
      return;
    }
    this.counters.outSent++;
    if (this.sealInPlace) this.opts.data.sendInPlace(dest, ipPayloadInPlace(packet));
    else this.opts.data.send(dest, encodeSessionPayload({ kind: 'ip', packet }));
  }

  /**
   * A packet to an address in the cluster prefix that no member has (yet):
   * held briefly (dataplane/pending-packets.ts) in case routing is about to
   * learn the member. A copy: the read buffer it came in may hold a whole
   * batch, which a held view would keep alive.
   */
  private holdForJoiningMember(packet: Uint8Array): boolean {
    if (!isInClusterPrefix(this.prefixBytes, packet, IPV6_DESTINATION_OFFSET) || addressAt(packet, IPV6_DESTINATION_OFFSET, this.address.bytes)) return false;
    const key = Buffer.from(packet.buffer, packet.byteOffset + IPV6_DESTINATION_OFFSET, IPV6_ADDRESS_BYTES).toString('hex');
    const copy = allocateWithRoom(packet.byteLength, TUN_READ_ROOM.headroom, TUN_READ_ROOM.tailroom);
    copy.set(packet);
    if (!this.pending.hold(key, copy, performance.now())) return false;
    this.schedulePendingSweep();
    return true;
  }

  /** While packets are held, look at them again after a hold time, so none outlives it for want of a route change. */
  private schedulePendingSweep(): void {
    this.pendingSweep ??= setTimeout(() => {
      this.pendingSweep = undefined;
      this.releasePending();
      if (this.pending.size > 0) this.schedulePendingSweep();
    }, DEFAULT_PENDING_LIMITS.holdMs).unref();
  }

  /** Send what now has a member, drop what waited too long. */
  private releasePending(): void {
    if (this.pending.size === 0) return;
    this.pending.release((key) => this.book.nodeAt(Buffer.from(key, 'hex'), 0), (dest, packet) => this.sendTo(dest, packet), performance.now());
  }

  /** A packet a member sent us through its session. */
  private inbound(from: SessionPeer, packet: Uint8Array): void {
    if (!this.tun) return;
    const peerAddress = this.book.addressOf(from.idText) ?? addressOfNode(this.opts.identity.clusterId, from.id);
    const addresses = checkInboundAddresses(packet, this.address.bytes, peerAddress.bytes);
    if (addresses === 'wrong-destination') {
      this.counters.inWrongDestination++;
      return;
    }
    if (addresses === 'spoofed') {
      this.counters.inSpoofed++;
      this.opts.log.debug({ from: from.name }, 'dropped a packet whose inner source is not its sender\'s address');
      return;
    }
    if (!this.opts.firewall.admitInbound(from, packet)) {
      this.counters.inFiltered++;
      return;
    }
    this.counters.inDelivered++;
    // A view into the received frame, which nothing else holds or reuses: written as it is.
    this.queueWrite(packet);
  }

  /** Writes are batched per event-loop turn: one write call for everything that arrived together. */
  private queueWrite(packet: Uint8Array): void {
    this.pendingWrites.push(packet);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      const batch = this.pendingWrites;
      this.pendingWrites = [];
      this.tun?.write(batch);
    });
  }
}
