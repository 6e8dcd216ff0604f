/**
 * The send pipeline: an IP packet an application wrote into TUN, or a
 * payload of this node's own, on its way to the link toward its destination.
 * Stages, top to bottom as the code runs:
 *
 *   fromTun        a TUN read batch; each packet has TUN_READ_ROOM around it (wire/packet-room.ts)
 *   1 IPv6         not an IPv6 packet: dropped (outNotIpv6)
 *   2 too big      above MESH_MAX_IPV6_PACKET_BYTES: a Packet Too Big goes back into TUN (outTooBig)
 *   3 member       destination address -> member id (MemberDirectory, the address book);
 *                  a cluster address no member has yet: held for a joining member
 *                  (joining-member-hold.ts, re-enters at 4 when routing learns it); else outNoMember
 *   4 firewall     outbound rules and tracked flows (outFiltered)
 *   5 seal         the kind byte is written into the room, the session seals over the
 *                  packet's own bytes (SessionManager.send, a handshake first if needed)
 *   sendPayload    enters here: echo requests and replies, datagrams (encoded, not in place)
 *   6 route        the next hop for the destination stage 3 found, carried in the
 *                  session's output (Forwarder.originate: nothing re-reads the header)
 *   7 link send    LinkSink.send: owned bytes are framed in place, others copied
 *
 * Stages 6-7 (`sendResult`) also carry what the receive pipeline and the
 * session timers produce (handshake responses, keepalives, retries).
 */
import { buildPacketTooBig } from './icmpv6.js';
import { IPV6_DESTINATION_OFFSET, isIpv6Packet } from './ipv6.js';
import { MESH_MAX_IPV6_PACKET_BYTES } from './mtu.js';
import type { Forwarder } from './forwarding.js';
import type { JoiningMemberHold } from './joining-member-hold.js';
import type { LinkSink, MemberDirectory, MeshLink, PacketArrivals, PacketFilter } from './ports.js';
import type { BatchedTunWriter } from './tun-writer.js';
import type { SessionEvent, SessionManager, SessionResult } from '../session/index.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/log.js';
import { coversTunReadRoom, type PacketRoom } from '../wire/packet-room.js';
import { PACKET_TYPE_OFFSET, PacketType } from '../wire/packet-constants.js';
import { probeKey } from '../wire/packet.js';
import { encodeSessionPayload, ipPayloadInPlace, type SessionPayload } from '../wire/session-payload.js';

export interface SendCounters {
  /** Read from TUN but not for any member (outside the prefix, ambiguous, or not held for a joining member). */
  outNoMember: number;
  outNotIpv6: number;
  outTooBig: number;
  outSent: number;
  /** Not sent because of the firewall's outbound rules. */
  outFiltered: number;
  linkSendDropped: number;
}

export interface SendPipelineOptions<L extends MeshLink> {
  sessions: SessionManager;
  forwarder: Forwarder<L>;
  links: LinkSink<L>;
  members: MemberDirectory;
  hold: JoiningMemberHold;
  firewall: PacketFilter;
  /** Where Packet Too Big answers go (back into TUN). */
  tun: BatchedTunWriter;
  clock: Clock;
  log: Logger;
  /** A handshake init went out (the session timers should run by its retry). */
  onHandshakeSent: () => void;
  onSessionEvent: (e: SessionEvent) => void;
  /** Told the size of each TUN read batch's buffer (default: nobody). */
  arrivals?: PacketArrivals;
}

export class SendPipeline<L extends MeshLink> {
  readonly counters: SendCounters = { outNoMember: 0, outNotIpv6: 0, outTooBig: 0, outSent: 0, outFiltered: 0, linkSendDropped: 0 };
  /** The device reads packets with TUN_READ_ROOM around them: seal them over their own bytes. */
  private sealInPlace = false;

  constructor(private readonly opts: SendPipelineOptions<L>) {
    opts.hold.onRelease((dest, packet) => this.firewallStage(dest, packet));
  }

  /** The room the TUN device reads packets with (seal in place when it is enough). */
  setReadRoom(room: Readonly<PacketRoom>): void {
    this.sealInPlace = coversTunReadRoom(room);
  }

  /** A batch the TUN device read: packets applications sent into the mesh. */
  fromTun(batch: readonly Uint8Array[]): void {
    // One buffer behind the whole batch (the TUN reader's): counted once.
    if (batch.length > 0) this.opts.arrivals?.arrived(batch[0]!.buffer.byteLength);
    for (const packet of batch) this.ipStage(packet);
  }

  /**
   * Seal a payload of this node's own for a member and send it. `probeKeys`,
   * when given, collects the probe key of each packet sent (to match
   * unreachable reports).
   */
  sendPayload(destIdText: string, payload: SessionPayload | Uint8Array, opts: { hopLimit?: number; probeKeys?: string[] } = {}): void {
    const plaintext = payload instanceof Uint8Array ? payload : encodeSessionPayload(payload);
    const r = this.opts.sessions.send(destIdText, plaintext, this.opts.clock.monotonic(), opts.hopLimit === undefined ? {} : { hopLimit: opts.hopLimit });
    this.sendResult(r, opts.probeKeys);
  }

  /**
   * Stages 6-7 for what a session operation produced: route each packet
   * to the next hop toward its destination and send it. `probeKeys`
   * collects the probe key of each packet sent; `arrivedOn`, the link of
   * the packet it answers.
   */
  sendResult(r: SessionResult, probeKeys?: string[], arrivedOn?: L): void {
    let handshakeSent = false;
    for (const p of r.send) {
      const type = p.bytes[PACKET_TYPE_OFFSET]!;
      const d = this.opts.forwarder.originate(p.to, type, arrivedOn);
      if (type === PacketType.HANDSHAKE_INIT || type === PacketType.HANDSHAKE_RESPONSE) {
        if (type === PacketType.HANDSHAKE_INIT) handshakeSent = true;
        this.opts.log.debug({ peer: p.to, message: type === PacketType.HANDSHAKE_INIT ? 'init' : 'response', via: d.action === 'forward' ? d.nextHop.peer.name : d.action === 'drop' ? d.reason : d.action }, 'session handshake');
      }
      if (d.action !== 'forward') continue;
      probeKeys?.push(probeKey(p.bytes)); // now: the link may seal these bytes in place
      if (!this.opts.links.send(d.nextHop, p.bytes, p.withRoom === true)) this.counters.linkSendDropped++;
    }
    if (handshakeSent) this.opts.onHandshakeSent();
    for (const e of r.events) this.opts.onSessionEvent(e);
    if (r.drop) this.opts.log.debug({ reason: r.drop.reason, detail: r.drop.detail }, 'session packet dropped');
  }

  /** Stages 1-3: IPv6, size, member by destination address. */
  private ipStage(packet: Uint8Array): void {
    if (!isIpv6Packet(packet)) {
      this.counters.outNotIpv6++;
      return;
    }
    if (packet.byteLength > MESH_MAX_IPV6_PACKET_BYTES) {
      this.counters.outTooBig++;
      const ptb = buildPacketTooBig({ packet, mtu: MESH_MAX_IPV6_PACKET_BYTES });
      if (ptb) this.opts.tun.write(ptb);
      return;
    }
    const dest = this.opts.members.nodeAt(packet, IPV6_DESTINATION_OFFSET);
    if (dest === undefined) {
      if (!this.opts.hold.hold(packet)) this.counters.outNoMember++;
      return;
    }
    this.firewallStage(dest, packet);
  }

  /** Stages 4-5: outbound rules, then the seal (in place when the read room allows). */
  private firewallStage(dest: string, packet: Uint8Array): void {
    if (!this.opts.firewall.admitOutbound(dest, packet)) {
      this.counters.outFiltered++;
      return;
    }
    this.counters.outSent++;
    if (this.sealInPlace) {
      this.sendResult(this.opts.sessions.send(dest, ipPayloadInPlace(packet), this.opts.clock.monotonic(), { inPlace: true }));
    } else {
      this.sendPayload(dest, { kind: 'ip', packet });
    }
  }
}
