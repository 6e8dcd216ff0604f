/**
 * What the two packet pipelines (send-pipeline.ts, receive-pipeline.ts) ask
 * of the rest of the node, as small interfaces: the node passes its links,
 * routes, members and firewall in; tests pass doubles.
 */
import type { NodeAddress } from './addressing.js';
import type { FirewallPeer } from './firewall/match.js';

/** A link as the pipelines see it: who is at the other end (for logs and arrival checks). */
export interface MeshLink {
  readonly peer: { readonly name: string; readonly idText: string };
}

/** The next hop toward a member, and the send of one mesh packet on a link. */
export interface LinkSink<L> {
  /** The link to send on toward `destIdText`, or undefined with no route. */
  nextHop(destIdText: string): L | undefined;
  /**
   * `owned`: `bytes` is given up with a frame's room around it (wire/packet-room.ts)
   * and is sealed in place; otherwise the link copies it. False when the link dropped it.
   */
  send(link: L, bytes: Uint8Array, owned: boolean): boolean;
}

/** Members by overlay address (dataplane/address-book.ts is the node's). */
export interface MemberDirectory {
  /** The member whose address is at `offset` in `bytes`, or undefined. */
  nodeAt(bytes: Uint8Array, offset?: number): string | undefined;
  addressOf(idText: string): NodeAddress | undefined;
}

/** The firewall as the IP path sees it (node/firewall-host.ts). */
export interface PacketFilter {
  admitInbound(from: FirewallPeer, packet: Uint8Array): boolean;
  admitOutbound(to: string, packet: Uint8Array): boolean;
  /** True while it has no rules: every packet passes, nothing is tracked, so a fast path may skip it (default: false). */
  readonly passesAll?: boolean;
}

/** Told the size of every buffer packets arrive in (TUN batches, link messages): dataplane/gc-pacer.ts. */
export interface PacketArrivals {
  arrived(bytes: number): void;
}
