/**
 * The daemon's data path over the mesh: forwarding and end-to-end sessions.
 *
 *   link channel 2 ─► Forwarder.decide ─► forward: next hop's link
 *                                      └► deliver: DATA/handshake ─► SessionManager.receive ─► payload
 *                                                  UNREACHABLE ─► inbox (ours? sent lately? not a copy? budget; then signed by a known relay) ─► probes
 *   payload kinds: echo request (answered), echo reply (ping/trace), datagram (port handlers), IP (TUN)
 *   send: SessionManager.send ─► Forwarder.originate ─► next hop's link
 *
 * Relays see ids, hop limits and ciphertext only; the session layer refuses
 * anything forged, altered or replayed. Every budget and timer here runs on
 * the clock's monotonic time; wall time reaches sessions only for handshake
 * timestamps and certificate expiry.
 */
import { EventEmitter } from 'node:events';
import { sign } from '../crypto/primitives.js';
import { Forwarder, type ForwardCounters } from '../dataplane/forwarding.js';
import type { UnreachableReport } from '../dataplane/forward-unreachable.js';
import { UnreachableInbox, type UnreachableInboxCounters } from '../dataplane/unreachable-inbox.js';
import { SessionManager, type SessionPeer, type SessionResult } from '../session/index.js';
import type { Clock, TimerHandle } from '../util/clock.js';
import type { Logger } from '../util/log.js';
import type { Random } from '../util/random.js';
import { MESH_PACKET_CHANNEL, PACKET_TYPE_OFFSET, PacketType } from '../wire/packet-constants.js';
import { probeKey } from '../wire/packet.js';
import { decodeSessionPayload, echoReplyFor, encodeSessionPayload, type SessionPayload } from '../wire/session-payload.js';
import type { AuthenticatePeer } from '../link/types.js';
import type { NodeIdentity } from './identity.js';
import type { Link, LinkManager } from './link-manager.js';
import type { RoutingHost } from './routing-host.js';

/** How often session timers (rekey, retry, keepalive, expiry) run. */
export const SESSION_TICK_MS = 250;
/** Retry an unanswered session handshake after this long. */
export const HANDSHAKE_RETRY_MS = 1_000;

export interface DataHostEvents {
  /** An end-to-end payload for this node, after decryption and authentication. */
  payload: [from: SessionPeer, payload: SessionPayload, arrivedHopLimit: number];
  unreachable: [UnreachableReport];
  sessionEvent: [{ type: string; peer: string; [k: string]: unknown }];
}

export interface DataHostOptions {
  identity: NodeIdentity;
  links: LinkManager;
  routing: RoutingHost;
  authenticatePeer: AuthenticatePeer;
  clock: Clock;
  random: Random;
  log: Logger;
  /**
   * TEST ONLY: make this node a hostile relay that corrupts ('flip' the last
   * byte) or duplicates ('duplicate') every packet it forwards, to show that
   * the destination refuses them. Set from $SKEIN_TEST_RELAY_TAMPER.
   */
  relayTamper?: 'flip' | 'duplicate';
}

export interface DataCounters {
  linkSendDropped: number;
  payloadsMalformed: number;
  unreachablesRejected: number;
}

export class DataHost extends EventEmitter<DataHostEvents> {
  readonly name = 'data-path';
  readonly sessions: SessionManager;
  readonly forwarder: Forwarder<Link>;
  readonly unreachables: UnreachableInbox<string>;
  readonly counters: DataCounters = { linkSendDropped: 0, payloadsMalformed: 0, unreachablesRejected: 0 };
  private tickTimer: TimerHandle | undefined;
  /** When the armed tick fires (monotonic ms). */
  private tickAtMs = Infinity;
  private stopped = false;

  constructor(private readonly opts: DataHostOptions) {
    super();
    const { identity, routing, clock } = opts;
    const now = clock.monotonic();
    this.forwarder = new Forwarder<Link>({
      localId: identity.key.id,
      routeLookup: (dest) => routing.nextHopLink(dest),
      sign: (m) => sign(m, identity.key.signing.secretKey),
      nowMs: now,
    });
    this.sessions = new SessionManager({
      localId: identity.key.id,
      staticKeyPair: identity.key.dh,
      certificateChain: identity.chain,
      clusterId: identity.clusterId,
      authenticatePeer: opts.authenticatePeer,
      lookupPeer: (id) => routing.member(id),
      random: opts.random,
      nowMs: now,
      wallClock: () => clock.now(),
      // Mesh paths change under a session (a reroute can swallow a handshake):
      // retry a lost handshake after 1 s rather than WireGuard's 5 s.
      limits: { handshakeRetryMs: HANDSHAKE_RETRY_MS },
    });
    this.unreachables = new UnreachableInbox<string>({
      localId: identity.key.id,
      lookupKey: (id) => routing.knownKey(id),
      sentRecently: (quote) => this.sessions.sentRecently(quote),
      nowMs: now,
    });
  }

  start(): void {
    this.opts.links.handle(MESH_PACKET_CHANNEL, (link, data) => this.onPacket(link, data));
    this.scheduleTick();
  }

  stop(): void {
    this.stopped = true;
    this.tickTimer?.cancel();
  }

  /**
   * Seal a payload for a member and send it (a handshake first if needed).
   * `probeKeys`, when given, collects the probe key of each packet sent (to
   * match unreachable reports), taken before the link seals its bytes in place.
   */
  send(destIdText: string, payload: SessionPayload | Uint8Array, opts: { hopLimit?: number; probeKeys?: string[] } = {}): void {
    const plaintext = payload instanceof Uint8Array ? payload : encodeSessionPayload(payload);
    const r = this.sessions.send(destIdText, plaintext, this.opts.clock.monotonic(), opts.hopLimit === undefined ? {} : { hopLimit: opts.hopLimit });
    this.handle(r, opts.probeKeys);
  }

  /**
   * The packet path: seal `plaintext` over its own buffer, which has
   * SEAL_IN_PLACE_HEADROOM/TAILROOM around it and is given up (no copy from
   * here to the socket).
   */
  sendInPlace(destIdText: string, plaintext: Uint8Array): void {
    this.handle(this.sessions.send(destIdText, plaintext, this.opts.clock.monotonic(), { inPlace: true }));
  }

  /** End sessions with a now-revoked member. */
  revoke(idText: string): void {
    this.handle(this.sessions.revoke(idText));
  }

  forwardCounters(): ForwardCounters {
    return this.forwarder.counters;
  }

  unreachableCounters(): UnreachableInboxCounters {
    return this.unreachables.counters;
  }

  private onPacket(link: Link, packet: Uint8Array): void {
    const now = this.opts.clock.monotonic();
    const d = this.forwarder.decide(packet, link, now);
    // A received packet is a view with the frame's room around it: forwarded in place.
    if (d.action === 'forward') return this.forward(d.nextHop, packet);
    if (d.action === 'drop') {
      this.opts.log.debug({ reason: d.reason, detail: d.detail, from: link.peer.name }, 'mesh packet dropped');
      if (d.unreachable) this.transmit(d.unreachable.nextHop, d.unreachable.bytes);
      return;
    }
    if (d.type === PacketType.UNREACHABLE) {
      const check = this.unreachables.receive(packet, link.peer.idText, now);
      if (check.ok) this.emit('unreachable', check.report);
      else {
        this.counters.unreachablesRejected++;
        this.opts.log.debug({ reason: check.reason, detail: check.detail }, 'unreachable report refused');
      }
      return;
    }
    this.handle(this.sessions.receive(packet, now, link.peer.idText), undefined, link);
  }

  /**
   * Send what a session operation produced; `probeKeys` collects the probe
   * key of each packet sent; `arrivedOn`, the link of the packet it answers.
   */
  private handle(r: SessionResult, probeKeys?: string[], arrivedOn?: Link): void {
    let handshakeSent = false;
    for (const p of r.send) {
      const type = p.bytes[PACKET_TYPE_OFFSET];
      if (type === PacketType.HANDSHAKE_INIT) handshakeSent = true;
      const d = this.forwarder.originate(p.bytes, arrivedOn);
      if (type === PacketType.HANDSHAKE_INIT || type === PacketType.HANDSHAKE_RESPONSE) {
        this.opts.log.debug({ peer: p.to, message: type === PacketType.HANDSHAKE_INIT ? 'init' : 'response', via: d.action === 'forward' ? d.nextHop.peer.name : d.action === 'drop' ? d.reason : d.action }, 'session handshake');
      }
      if (d.action === 'forward') {
        probeKeys?.push(probeKey(p.bytes)); // now: the link may seal these bytes in place
        this.transmit(d.nextHop, p.bytes, p.withRoom === true);
      }
    }
    if (handshakeSent) this.tickByNextRetry();
    for (const e of r.events) this.emit('sessionEvent', e as { type: string; peer: string });
    if (r.drop) this.opts.log.debug({ reason: r.drop.reason, detail: r.drop.detail }, 'session packet dropped');
    if (r.deliver) this.deliver(r.deliver.from, r.deliver.plaintext, r.deliver.hopLimit);
  }

  private deliver(from: SessionPeer, plaintext: Uint8Array, hopLimit: number): void {
    let payload: SessionPayload;
    try {
      payload = decodeSessionPayload(plaintext);
    } catch {
      this.counters.payloadsMalformed++;
      return;
    }
    if (payload.kind === 'echo-request') {
      this.send(from.idText, echoReplyFor(payload, hopLimit, payload.hopLimit));
      return;
    }
    this.emit('payload', from, payload, hopLimit);
  }

  private forward(link: Link, packet: Uint8Array): void {
    if (this.opts.relayTamper === 'flip' && packet[PACKET_TYPE_OFFSET] === PacketType.DATA) {
      const bad = new Uint8Array(packet);
      bad[bad.length - 1]! ^= 0x01;
      return this.transmit(link, bad);
    }
    const duplicate = this.opts.relayTamper === 'duplicate' && packet[PACKET_TYPE_OFFSET] === PacketType.DATA ? new Uint8Array(packet) : undefined;
    this.transmit(link, packet, true);
    if (duplicate) this.transmit(link, duplicate);
  }

  /** `withRoom`: `bytes` is ours with a frame's room around it, sealed in place; otherwise copied. */
  private transmit(link: Link, bytes: Uint8Array, withRoom = false): void {
    const ok = withRoom ? link.channel.sendOwned(MESH_PACKET_CHANNEL, bytes) : link.channel.send(MESH_PACKET_CHANNEL, bytes);
    if (!ok) this.counters.linkSendDropped++;
  }

  /**
   * Tick every SESSION_TICK_MS, or sooner for `delayMs`. A first handshake
   * lost at start-up (the responder had no route back yet) is retried after
   * ~100 ms, not at the next regular tick up to 250 ms later.
   */
  private scheduleTick(delayMs = SESSION_TICK_MS): void {
    if (this.stopped) return;
    this.tickTimer?.cancel();
    const dueAtMs = this.opts.clock.monotonic() + delayMs;
    this.tickAtMs = dueAtMs;
    this.tickTimer = this.opts.clock.setTimeout(() => {
      this.scheduleTick(); // first: a retry sent by this tick may arm an earlier one
      // Run what is due by the time this tick was meant for: Node's timers
      // count from the event loop's cached time, so one can fire a few ms
      // before that by our clock, and a retry due then would otherwise wait
      // a whole tick.
      this.handle(this.sessions.tick(Math.max(this.opts.clock.monotonic(), dueAtMs)));
    }, delayMs);
  }

  /** A handshake went out: make sure the tick comes no later than its retry. */
  private tickByNextRetry(): void {
    const retryAtMs = this.sessions.nextRetryAtMs();
    if (retryAtMs < this.tickAtMs) this.scheduleTick(Math.max(0, retryAtMs - this.opts.clock.monotonic()));
  }
}
