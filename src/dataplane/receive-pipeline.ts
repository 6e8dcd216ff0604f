/**
 * The receive pipeline: a mesh packet a link delivered, on its way to the
 * next hop, to a consumer of this node, or to TUN. Stages, top to bottom as
 * the code runs:
 *
 *   fromLink       a link message on MESH_PACKET_CHANNEL, decrypted in place
 *                  (a view with a frame's room around it)
 *   1 forwarding   Forwarder.decide (its counters count relayed packets):
 *                    forward -> the next hop, in place (hop limit decremented): LinkSink.send
 *                    drop    -> logged; an unreachable back to the source when the forwarder built one
 *                    deliver -> UNREACHABLE: the unreachable inbox (ours? sent lately? not a
 *                               copy? budget? signed by a known relay?) -> onUnreachable (probes)
 *                               else on to 2
 *   2 session      SessionManager.receive: handshakes, or DATA opened in place (replay
 *                  window); what it answers goes out through the send pipeline's route stage
 *   3 payload      by kind: echo request -> answered through the send pipeline;
 *                  echo reply, datagram -> onPayload (probes, the library API); IP -> 4
 *   4 addresses    the destination is us; the inner source is the sender's address (anti-spoofing)
 *   5 firewall     inbound rules, by the sender's proven identity
 *   6 TUN write    batched per event-loop turn (tun-writer.ts), the received view as it is
 */
import type { Forwarder } from './forwarding.js';
import type { UnreachableReport } from './forward-unreachable.js';
import type { UnreachableInbox } from './unreachable-inbox.js';
import { addressOfNode, checkInboundAddresses, type NodeAddress } from './addressing.js';
import type { LinkSink, MemberDirectory, MeshLink, PacketArrivals, PacketFilter } from './ports.js';
import type { SendPipeline } from './send-pipeline.js';
import type { BatchedTunWriter } from './tun-writer.js';
import type { SessionManager, SessionPeer } from '../session/index.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/log.js';
import { PacketType } from '../wire/packet-constants.js';
import { decodeSessionPayload, echoReplyFor, type Datagram, type EchoReply, type SessionPayload } from '../wire/session-payload.js';

/** The payloads handed to consumers of this node (not answered here, not IP). */
export type ConsumerPayload = EchoReply | Datagram;

export interface ReceiveCounters {
  /** Arrived through a session but not addressed to us. */
  inWrongDestination: number;
  /** Arrived through member X's session with an inner source that is not X's address. */
  inSpoofed: number;
  /** Refused by the firewall's inbound rules. */
  inFiltered: number;
  inDelivered: number;
  payloadsMalformed: number;
  unreachablesRejected: number;
  linkSendDropped: number;
}

export interface ReceivePipelineOptions<L extends MeshLink> {
  forwarder: Forwarder<L>;
  links: LinkSink<L>;
  unreachables: UnreachableInbox<string>;
  sessions: SessionManager;
  /** Answers and session replies leave through it. */
  send: SendPipeline<L>;
  members: MemberDirectory;
  firewall: PacketFilter;
  tun: BatchedTunWriter;
  /** This node's overlay address and cluster (a sender's address when the book has none yet). */
  address: NodeAddress;
  clusterId: Uint8Array;
  clock: Clock;
  log: Logger;
  onPayload: (from: SessionPeer, payload: ConsumerPayload, arrivedHopLimit: number) => void;
  onUnreachable: (report: UnreachableReport) => void;
  /** Told the size of each packet that arrives on a link (default: nobody). */
  arrivals?: PacketArrivals;
}

export class ReceivePipeline<L extends MeshLink> {
  readonly counters: ReceiveCounters = { inWrongDestination: 0, inSpoofed: 0, inFiltered: 0, inDelivered: 0, payloadsMalformed: 0, unreachablesRejected: 0, linkSendDropped: 0 };

  constructor(private readonly opts: ReceivePipelineOptions<L>) {}

  /** Stage 1: a mesh packet that arrived on `link`. */
  fromLink(link: L, packet: Uint8Array): void {
    const { forwarder, log } = this.opts;
    this.opts.arrivals?.arrived(packet.byteLength);
    const now = this.opts.clock.monotonic();
    const d = forwarder.decide(packet, link, now);
    // A received packet is a view with the frame's room around it: forwarded in place.
    if (d.action === 'forward') return this.linkSend(d.nextHop, packet, true);
    if (d.action === 'drop') {
      log.debug({ reason: d.reason, detail: d.detail, from: link.peer.name }, 'mesh packet dropped');
      if (d.unreachable) this.linkSend(d.unreachable.nextHop, d.unreachable.bytes, false);
      return;
    }
    if (d.type === PacketType.UNREACHABLE) return this.unreachableStage(link, packet, now);
    this.sessionStage(link, packet, now);
  }

  private linkSend(link: L, bytes: Uint8Array, owned: boolean): void {
    if (!this.opts.links.send(link, bytes, owned)) this.counters.linkSendDropped++;
  }

  private unreachableStage(link: L, packet: Uint8Array, now: number): void {
    const check = this.opts.unreachables.receive(packet, link.peer.idText, now);
    if (check.ok) return this.opts.onUnreachable(check.report);
    this.counters.unreachablesRejected++;
    this.opts.log.debug({ reason: check.reason, detail: check.detail }, 'unreachable report refused');
  }

  /** Stage 2: open the session packet; replies leave through the send pipeline's route stage. */
  private sessionStage(link: L, packet: Uint8Array, now: number): void {
    const r = this.opts.sessions.receive(packet, now, link.peer.idText);
    this.opts.send.sendResult(r, undefined, link);
    if (r.deliver) this.payloadStage(r.deliver.from, r.deliver.plaintext, r.deliver.hopLimit);
  }

  /** Stage 3: by payload kind. */
  private payloadStage(from: SessionPeer, plaintext: Uint8Array, hopLimit: number): void {
    let payload: SessionPayload;
    try {
      payload = decodeSessionPayload(plaintext);
    } catch {
      this.counters.payloadsMalformed++;
      return;
    }
    switch (payload.kind) {
      case 'ip':
        return this.ipStage(from, payload.packet);
      case 'echo-request':
        return this.opts.send.sendPayload(from.idText, echoReplyFor(payload, hopLimit, payload.hopLimit));
      default:
        return this.opts.onPayload(from, payload, hopLimit);
    }
  }

  /** Stages 4-6: addresses, inbound rules, TUN write. Without a TUN device, IP payloads go nowhere. */
  private ipStage(from: SessionPeer, packet: Uint8Array): void {
    const { tun, members, firewall } = this.opts;
    if (!tun.attached) return;
    const peerAddress = members.addressOf(from.idText) ?? addressOfNode(this.opts.clusterId, from.id);
    const addresses = checkInboundAddresses(packet, this.opts.address.bytes, peerAddress.bytes);
    if (addresses === 'wrong-destination') {
      this.counters.inWrongDestination++;
      return;
    }
    if (addresses === 'spoofed') {
      this.counters.inSpoofed++;
      this.opts.log.debug({ from: from.name }, 'dropped a packet whose inner source is not its sender\'s address');
      return;
    }
    if (!firewall.admitInbound(from, packet)) {
      this.counters.inFiltered++;
      return;
    }
    this.counters.inDelivered++;
    // A view into the received frame, which nothing else holds or reuses: written as it is.
    tun.write(packet);
  }
}
