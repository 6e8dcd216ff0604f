/**
 * The node's data plane, composed: the send and receive pipelines
 * (dataplane/send-pipeline.ts, dataplane/receive-pipeline.ts) over this
 * node's links, routes, members, firewall and end-to-end sessions, plus the
 * session timers. A service: started before the links (so the first packet a
 * link delivers finds its handler), stopped after them.
 *
 *   TUN read ─► SendPipeline ─► link            link ─► ReceivePipeline ─► next hop | consumers | TUN write
 *
 * With native links (link/native-link.ts) the data plane also installs the
 * route table they relay transit packets by, whenever routing changes;
 * whatever they do not relay reaches the receive pipeline as before. The
 * native endpoint (link/native-endpoint.ts) then holds the session keys
 * (the manager's offload, session-offload.ts), and carries TUN packets to
 * and from a peer's current session with no JavaScript while the firewall
 * has no rules; the rest still runs through both pipelines.
 *
 * Relays see ids, hop limits and ciphertext only; the session layer refuses
 * anything forged, altered or replayed. Every budget and timer here runs on
 * the clock's monotonic time; wall time reaches sessions only for handshake
 * timestamps and certificate expiry.
 */
import { EventEmitter } from 'node:events';
import { sign } from '../crypto/primitives.js';
import { AddressBook } from '../dataplane/address-book.js';
import { addressOfNode, clusterPrefix, clusterPrefixBytes, type NodeAddress } from '../dataplane/addressing.js';
import { Forwarder, type ForwardCounters } from '../dataplane/forwarding.js';
import type { UnreachableReport } from '../dataplane/forward-unreachable.js';
import { JoiningMemberHold } from '../dataplane/joining-member-hold.js';
import type { PendingCounters } from '../dataplane/pending-packets.js';
import type { LinkSink, PacketFilter } from '../dataplane/ports.js';
import { ReceivePipeline, type ConsumerPayload } from '../dataplane/receive-pipeline.js';
import { SendPipeline } from '../dataplane/send-pipeline.js';
import { GcPacer, type MinorCollector } from '../dataplane/gc-pacer.js';
import { SessionTicker } from '../dataplane/session-ticker.js';
import { BatchedTunWriter } from '../dataplane/tun-writer.js';
import { UnreachableInbox, type UnreachableInboxCounters } from '../dataplane/unreachable-inbox.js';
import type { NativeLink, NativeLinks, NativeRelayCounters } from '../link/native-link.js';
import { NativeEndpoint, type NativeEndpointCounters } from '../link/native-endpoint.js';
import { MESH_MAX_IPV6_PACKET_BYTES } from '../dataplane/mtu.js';
import type { NativeTunUser } from '../dataplane/tun-service.js';
import type { TunStats } from '../dataplane/tun-device.js';
import { nativeSessionOffload } from './session-offload.js';
import type { AuthenticatePeer } from '../link/types.js';
import { SessionManager, resolveSessionLimits, type SessionCounters, type SessionPeer } from '../session/index.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/log.js';
import type { Random } from '../util/random.js';
import { exposedMinorCollector } from '../util/v8-collector.js';
import { DEFAULT_HOP_LIMIT, MESH_PACKET_CHANNEL } from '../wire/packet-constants.js';
import type { SessionPayload } from '../wire/session-payload.js';
import type { NodeIdentity } from './identity.js';
import type { Link, LinkManager } from './link-manager.js';
import type { RoutingHost } from './routing-host.js';

export { SESSION_TICK_MS } from '../dataplane/session-ticker.js';
/** Retry an unanswered session handshake after this long. */
export const HANDSHAKE_RETRY_MS = 1_000;

export interface DataPlaneEvents {
  /** An echo reply or datagram for this node, after decryption and authentication. */
  payload: [from: SessionPeer, payload: ConsumerPayload, arrivedHopLimit: number];
  unreachable: [UnreachableReport];
  sessionEvent: [{ type: string; peer: string; [k: string]: unknown }];
}

export interface DataPlaneOptions {
  identity: NodeIdentity;
  links: LinkManager;
  routing: RoutingHost;
  authenticatePeer: AuthenticatePeer;
  firewall: PacketFilter;
  clock: Clock;
  random: Random;
  log: Logger;
  /** The young-generation collection packet arrivals pace (default: V8's, when exposed); tests pass a counter. */
  minorCollector?: MinorCollector;
  /** Wraps the links the pipelines send on (default: none); tests pass doubles that observe or alter packets. */
  wrapLinkSink?: (sink: LinkSink<Link>) => LinkSink<Link>;
  /** The native links that relay transit packets by the routes installed here (default: none). */
  nativeLinks?: NativeLinks;
}

export interface DataCounters {
  linkSendDropped: number;
  payloadsMalformed: number;
  unreachablesRejected: number;
}

/** The IP path's counters (TUN to mesh and back), as `status` reports them. */
export interface IpPathCounters {
  outNoMember: number;
  outNotIpv6: number;
  outTooBig: number;
  outSent: number;
  inWrongDestination: number;
  inSpoofed: number;
  inFiltered: number;
  outFiltered: number;
  inDelivered: number;
}

/** Sends mesh packets on this node's links, toward routing's next hop. */
export function meshLinkSink(routing: Pick<RoutingHost, 'nextHopLink'>): LinkSink<Link> {
  return {
    nextHop: (dest) => routing.nextHopLink(dest),
    send: (link, bytes, owned) => (owned ? link.channel.sendOwned(MESH_PACKET_CHANNEL, bytes) : link.channel.send(MESH_PACKET_CHANNEL, bytes)),
  };
}

export class DataPlane extends EventEmitter<DataPlaneEvents> {
  readonly name = 'data-path';
  readonly address: NodeAddress;
  readonly prefix: string;
  readonly book: AddressBook;
  readonly sessions: SessionManager;
  readonly forwarder: Forwarder<Link>;
  readonly unreachables: UnreachableInbox<string>;
  /** The TUN device's writes (attached by the TUN service). */
  readonly tunWriter = new BatchedTunWriter();
  readonly sendPipeline: SendPipeline<Link>;
  readonly receivePipeline: ReceivePipeline<Link>;
  private readonly hold: JoiningMemberHold;
  private readonly ticker: SessionTicker;
  /** The session keys and TUN fast paths in C, when the native links run. */
  private readonly endpoint: NativeEndpoint | undefined;

  constructor(private readonly opts: DataPlaneOptions) {
    super();
    const { identity, routing, clock, log, firewall } = opts;
    const clusterId = identity.clusterId;
    this.address = addressOfNode(clusterId, identity.key.id);
    this.prefix = clusterPrefix(clusterId);
    this.book = new AddressBook(clusterId);
    const links = opts.wrapLinkSink ? opts.wrapLinkSink(meshLinkSink(routing)) : meshLinkSink(routing);
    const now = clock.monotonic();
    // Mesh paths change under a session (a reroute can swallow a handshake):
    // retry a lost handshake after 1 s rather than WireGuard's 5 s.
    const sessionLimits = { handshakeRetryMs: HANDSHAKE_RETRY_MS };
    this.endpoint = opts.nativeLinks && this.setUpEndpoint(opts.nativeLinks, resolveSessionLimits(sessionLimits));
    this.forwarder = new Forwarder<Link>({
      localId: identity.key.id,
      routeLookup: (dest) => links.nextHop(dest),
      sign: (m) => sign(m, identity.key.signing.secretKey),
      nowMs: now,
    });
    this.sessions = new SessionManager({
      localId: identity.key.id,
      staticKeyPair: identity.key.dh,
      certificateChain: identity.chain,
      clusterId,
      authenticatePeer: opts.authenticatePeer,
      lookupPeer: (id) => routing.member(id),
      random: opts.random,
      nowMs: now,
      wallClock: () => clock.now(),
      limits: sessionLimits,
      ...(this.endpoint && { offload: nativeSessionOffload(this.endpoint, (id) => addressOfNode(clusterId, id).bytes, log) }),
    });
    this.unreachables = new UnreachableInbox<string>({
      localId: identity.key.id,
      lookupKey: (id) => routing.knownKey(id),
      sentRecently: (quote) => this.sessions.sentRecently(quote),
      nowMs: now,
    });
    const arrivals = new GcPacer(opts.minorCollector ?? exposedMinorCollector(), clock);
    this.hold = new JoiningMemberHold(clusterPrefixBytes(clusterId), this.address.bytes, this.book);
    this.sendPipeline = new SendPipeline<Link>({
      sessions: this.sessions, forwarder: this.forwarder, links, members: this.book, hold: this.hold, firewall,
      tun: this.tunWriter, clock, log, arrivals,
      onHandshakeSent: () => this.ticker.handshakeSent(),
      onSessionEvent: (e) => this.emit('sessionEvent', e as { type: string; peer: string }),
    });
    this.receivePipeline = new ReceivePipeline<Link>({
      forwarder: this.forwarder, links, unreachables: this.unreachables, sessions: this.sessions, send: this.sendPipeline,
      members: this.book, firewall, tun: this.tunWriter, address: this.address, clusterId, clock, log, arrivals,
      onPayload: (from, payload, hopLimit) => this.emit('payload', from, payload, hopLimit),
      onUnreachable: (report) => this.emit('unreachable', report),
    });
    this.ticker = new SessionTicker(clock, this.sessions, (r) => this.sendPipeline.sendResult(r));
  }

  start(): void {
    const { links, routing } = this.opts;
    const learnMembers = (): void => this.book.setMembers(routing.directory.others().map((m) => Buffer.from(m.id, 'hex')));
    learnMembers();
    routing.on('routesChanged', () => {
      learnMembers();
      this.hold.release();
    });
    links.handle(MESH_PACKET_CHANNEL, (link, data) => this.receivePipeline.fromLink(link, data));
    const native = this.opts.nativeLinks;
    if (native !== undefined) {
      native.routesFrom(() => this.nativeRoutes());
      routing.on('routesChanged', () => native.queueRouteRefresh());
    }
    this.refreshFirewall();
    this.ticker.start();
  }

  /** Stopped after the links: no native link is left to release but the table. */
  stop(): void {
    this.ticker.stop();
    this.hold.stop();
    this.endpoint?.counters(); // kept for status after the release
    this.opts.nativeLinks?.release();
  }

  private setUpEndpoint(links: NativeLinks, limits: ReturnType<typeof resolveSessionLimits>): NativeEndpoint | undefined {
    const endpoint = NativeEndpoint.setUp(links, {
      ownAddress: this.address.bytes, nowMs: this.opts.clock.monotonic(),
      rejectAfterMs: limits.rejectAfterMs, rekeyAfterMs: limits.rekeyAfterMs, rekeyAfterMessages: limits.rekeyAfterMessages,
      keepaliveMs: limits.keepaliveMs, handshakeRetryMs: limits.handshakeRetryMs,
      maxIpPacketBytes: MESH_MAX_IPV6_PACKET_BYTES, hopLimit: DEFAULT_HOP_LIMIT,
    });
    if (typeof endpoint === 'string') {
      this.opts.log.warn({ reason: endpoint }, 'session packets run in TypeScript');
      return undefined;
    }
    return endpoint;
  }

  /** The firewall's rules changed (or were first read): the fast paths run only while it has none. */
  refreshFirewall(): void {
    const open = this.opts.firewall.passesAll === true;
    this.endpoint?.setOpen(open, open);
  }

  /** What the TUN service tells of each device, for the native endpoint to read and write it (undefined without one). */
  get nativeTun(): NativeTunUser | undefined {
    const endpoint = this.endpoint;
    if (endpoint === undefined) return undefined;
    return {
      attach: (device) => {
        if (device.native === undefined) return;
        endpoint.setTun(device.native.fd);
        device.native.setReadFilter(endpoint.tunFilter());
      },
      detach: () => endpoint.setTun(-1),
    };
  }

  /** The session manager's counters, with what the native endpoint sealed and delivered. */
  sessionCounters(): SessionCounters {
    const counters = this.sessions.counters();
    const native = this.endpoint?.counters();
    return native ? { ...counters, sent: counters.sent + native.sent, delivered: counters.delivered + native.delivered } : counters;
  }

  /** A TUN device's counters, with the packets the native endpoint read and wrote on it. */
  tunStats(stats: TunStats | null): TunStats | null {
    const native = this.endpoint?.counters();
    if (stats === null || native === undefined) return stats;
    return {
      ...stats, packetsRead: stats.packetsRead + native.tunPacketsRead, bytesRead: stats.bytesRead + native.tunBytesRead,
      packetsWritten: stats.packetsWritten + native.tunPacketsWritten, writeDropped: stats.writeDropped + native.tunWriteDropped,
    };
  }

  /** Each member with a route whose next hop is a native link. */
  private *nativeRoutes(): Iterable<readonly [Uint8Array, NativeLink]> {
    const { routing } = this.opts;
    for (const member of routing.directory.others()) {
      const native = routing.nextHopLink(member.id)?.channel.nativeLink;
      if (native) yield [Buffer.from(member.id, 'hex'), native];
    }
  }

  /**
   * Seal a payload of this node's own for a member and send it (a handshake
   * first if needed). `probeKeys`, when given, collects the probe key of
   * each packet sent (to match unreachable reports).
   */
  send(destIdText: string, payload: SessionPayload | Uint8Array, opts: { hopLimit?: number; probeKeys?: string[] } = {}): void {
    this.sendPipeline.sendPayload(destIdText, payload, opts);
  }

  /** End sessions with a now-revoked member. */
  revoke(idText: string): void {
    this.sendPipeline.sendResult(this.sessions.revoke(idText));
  }

  /** The forwarder's counters, with what native links relayed, and the native endpoint sent and took in, counted. */
  forwardCounters(): ForwardCounters {
    const counters = this.forwarder.counters;
    const native = this.opts.nativeLinks?.counters();
    const endpoint = this.endpoint?.counters();
    if (!native) return counters;
    return {
      ...counters, forwarded: counters.forwarded + native.forwarded,
      originated: counters.originated + (endpoint?.sent ?? 0), delivered: counters.delivered + (endpoint?.delivered ?? 0),
    };
  }

  /** What the native links relayed and dropped, and what the native endpoint carried (null when links run on the TypeScript path). */
  nativeCounters(): (NativeRelayCounters & { endpoint: NativeEndpointCounters | null }) | null {
    const relay = this.opts.nativeLinks?.counters();
    return relay ? { ...relay, endpoint: this.endpoint?.counters() ?? null } : null;
  }

  unreachableCounters(): UnreachableInboxCounters {
    return this.unreachables.counters;
  }

  get counters(): DataCounters {
    const r = this.receivePipeline.counters;
    const nativeDropped = this.opts.nativeLinks?.counters().transitDropped ?? 0;
    return { linkSendDropped: this.sendPipeline.counters.linkSendDropped + r.linkSendDropped + nativeDropped, payloadsMalformed: r.payloadsMalformed, unreachablesRejected: r.unreachablesRejected };
  }

  ipCounters(): IpPathCounters {
    const o = this.sendPipeline.counters;
    const i = this.receivePipeline.counters;
    const n = this.endpoint?.counters();
    return {
      outNoMember: o.outNoMember, outNotIpv6: o.outNotIpv6, outTooBig: o.outTooBig, outSent: o.outSent + (n?.sent ?? 0),
      inWrongDestination: i.inWrongDestination + (n?.inWrongDestination ?? 0), inSpoofed: i.inSpoofed + (n?.inSpoofed ?? 0),
      inFiltered: i.inFiltered, outFiltered: o.outFiltered, inDelivered: i.inDelivered + (n?.inDelivered ?? 0),
    };
  }

  pendingCounters(): PendingCounters {
    return this.hold.counters;
  }
}
