/**
 * "Did we really send this packet, lately?" - asked of the quote in an
 * unreachable report before anything expensive (its signature) is done, so
 * a report that does not name recent traffic of ours costs a map lookup.
 *
 * Answered from session state, with nothing recorded per packet sent (the
 * data path stays as it is):
 *   DATA      a keypair of ours with that peer whose remote index is the
 *             quoted receiver index, that has sealed the quoted counter, and
 *             within its last RECENT_COUNTER_WINDOW packets
 *   INIT      our pending handshake with that peer began with these bytes
 *             (the start of its ephemeral key)
 *   RESPONSE  a responder keypair of ours with that peer whose remote index
 *             is the quoted receiver index (the initiator's)
 * Keys older than rejectAfterMs are gone from session state, so "recent"
 * is at most that old too. Pure; reads the quote only (never trusted further).
 */
import { PACKET_HEADER_BYTES, PACKET_TYPE_OFFSET, PacketType, SESSION_COUNTER_BYTES, SESSION_INDEX_BYTES } from '../wire/packet-constants.js';
import { destinationIdText } from '../wire/packet.js';
import type { SessionKeypair } from './keypair.js';
import type { PeerSessions } from './peer.js';

/** The part of the session core a match reads: each peer's keys and pending handshake. */
interface SessionTable {
  readonly peers: ReadonlyMap<string, Pick<PeerSessions, 'keypairs' | 'pending'>>;
}

/** How far behind our newest counter a reported DATA packet may be (far more than an RTT's worth at line rate). */
export const RECENT_COUNTER_WINDOW = 65_536;
/** Bytes of an init's body a match compares (what a probe key covers). */
export const INIT_MATCH_BYTES = SESSION_INDEX_BYTES + SESSION_COUNTER_BYTES;

const TWO_POW_32 = 0x1_0000_0000;

function u32At(b: Uint8Array, offset: number): number {
  return ((b[offset]! << 24) >>> 0) + ((b[offset + 1]! << 16) | (b[offset + 2]! << 8) | b[offset + 3]!);
}

function keypairsOf(core: SessionTable, peerIdText: string): SessionKeypair[] {
  return core.peers.get(peerIdText)?.keypairs() ?? [];
}

/** `quote`: the first bytes of a packet whose source is us (the caller checked that). */
export function sentRecently(core: SessionTable, quote: Uint8Array): boolean {
  if (quote.byteLength < PACKET_HEADER_BYTES + INIT_MATCH_BYTES) return false;
  const peer = destinationIdText(quote);
  const type = quote[PACKET_TYPE_OFFSET];
  const index = u32At(quote, PACKET_HEADER_BYTES);
  if (type === PacketType.DATA) {
    const counterAt = PACKET_HEADER_BYTES + SESSION_INDEX_BYTES;
    const counter = u32At(quote, counterAt) * TWO_POW_32 + u32At(quote, counterAt + 4);
    return keypairsOf(core, peer).some((kp) => kp.remoteIndex === index && counter < kp.sent && kp.sent - counter <= RECENT_COUNTER_WINDOW);
  }
  if (type === PacketType.HANDSHAKE_RESPONSE) {
    return keypairsOf(core, peer).some((kp) => kp.role === 'responder' && kp.remoteIndex === index);
  }
  if (type === PacketType.HANDSHAKE_INIT) {
    const prefix = core.peers.get(peer)?.pending?.initPrefix;
    if (prefix === undefined) return false;
    for (let i = 0; i < INIT_MATCH_BYTES; i++) if (quote[PACKET_HEADER_BYTES + i] !== prefix[i]) return false;
    return true;
  }
  return false;
}
