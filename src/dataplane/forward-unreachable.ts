/**
 * Signed unreachables: how a relay tells a packet's source that it dropped
 * the packet (no route, hop limit exceeded), and how the source checks it.
 *
 * Why signed, not sealed: the relay has no session with the source (it
 * would cost a handshake per relay per source), but every member's
 * certified Ed25519 key is in every routing database. So the relay signs
 * with its node key (format in src/wire/packet-unreachable.ts) and names
 * itself as the packet's source; the source verifies against the key its
 * routing database holds for that id, and ignores the message otherwise.
 *
 * What it cannot be used for:
 * - forging: only the relay's key signs it; a relay on the way back cannot
 *   alter it (header source/destination and body are signed);
 * - replay: it quotes the dropped packet's first bytes (a DATA packet's
 *   receiver index and counter, never reused), so the source matches it to
 *   a packet it recently sent, BEFORE the signature is checked, and drops a
 *   second copy of a report it already accepted (unreachable-inbox.ts); the
 *   quote must also name the receiver as its source;
 * - CPU: signature checks are budgeted per arrival link and in total
 *   (unreachable-inbox.ts), and relays forward unreachables at a bounded
 *   rate per arrival link (forwarding.ts);
 * - amplification: it is at most 202 bytes, sent only to the dropped
 *   packet's claimed source, never in answer to an unreachable, and
 *   rate-limited per source and globally (forwarding.ts).
 * The source treats it as information (ping/trace output, a hint), never as
 * a reason to tear down a session: a relay could always just drop packets.
 */
import { ED25519_SIGNATURE_BYTES, verify } from '../crypto/primitives.js';
import { nodeIdFromPublicKey } from '../identity/node-id.js';
import { bytesEqual } from '../codec/codec.js';
import { DecodeError } from '../util/errors.js';
import {
  DEFAULT_HOP_LIMIT,
  PACKET_HOP_LIMIT_OFFSET,
  PACKET_TYPE_OFFSET,
  PacketType,
  UnreachableReason,
  type UnreachableReasonNumber,
} from '../wire/packet-constants.js';
import { destinationIdText, encodePacket, isDestination, isSource, packetSource, probeKey, sourceIdText } from '../wire/packet.js';
import { type UnreachableBody, decodeUnreachable, encodeUnreachableBody, quoteOf, unreachableSignedBytes } from '../wire/packet-unreachable.js';

/** Signs with this node's Ed25519 key (64-byte detached signature). */
export type Signer = (message: Uint8Array) => Uint8Array;
/** The certified Ed25519 key of a member, from the routing database; undefined if unknown. */
export type LookupNodeKey = (idText: string) => Uint8Array | undefined;

export type UnreachableReasonName = 'no-route' | 'hop-limit-exceeded';

const REASON_NAMES: Record<UnreachableReasonNumber, UnreachableReasonName> = {
  [UnreachableReason.NO_ROUTE]: 'no-route',
  [UnreachableReason.HOP_LIMIT_EXCEEDED]: 'hop-limit-exceeded',
};

/** The unreachable packet for `dropped` (which passed readHeader), from us to its source. */
export function buildUnreachable(localId: Uint8Array, sign: Signer, reason: UnreachableReasonNumber, dropped: Uint8Array): Uint8Array {
  const quote = quoteOf(dropped);
  const fields = { type: PacketType.UNREACHABLE, hopLimit: DEFAULT_HOP_LIMIT, source: localId, destination: packetSource(dropped) };
  const packet = encodePacket(fields, encodeUnreachableBody(reason, quote, new Uint8Array(ED25519_SIGNATURE_BYTES)));
  packet.set(sign(unreachableSignedBytes(packet, reason, quote)), packet.byteLength - ED25519_SIGNATURE_BYTES);
  return packet;
}

export interface UnreachableReport {
  /** The relay that dropped our packet (verified). */
  relay: string;
  reason: UnreachableReasonName;
  /** Type and destination of the packet it dropped. */
  droppedType: number;
  droppedDestination: string;
  /** Matches probeKey() of the packet we sent. */
  probeKey: string;
  /** The hop limit our packet had when the relay dropped it. */
  droppedHopLimit: number;
}

export type UnreachableRefusal = 'malformed' | 'not-ours' | 'unknown-relay' | 'bad-signature';

export type UnreachableCheck =
  | { ok: true; report: UnreachableReport }
  | { ok: false; reason: UnreachableRefusal; detail: string };

/** The cheap half: decodes, and is it addressed to us about a packet of ours? No crypto, no allocation beyond the result. */
export function checkUnreachableAddress(packet: Uint8Array, localId: Uint8Array):
  { ok: true; body: UnreachableBody } | { ok: false; reason: 'malformed' | 'not-ours'; detail: string } {
  let body;
  try {
    body = decodeUnreachable(packet);
  } catch (err) {
    if (err instanceof DecodeError) return { ok: false, reason: 'malformed', detail: err.message };
    throw err;
  }
  if (!isDestination(packet, localId) || !isSource(body.quote, localId)) {
    return { ok: false, reason: 'not-ours', detail: `unreachable from ${sourceIdText(packet)} is about a packet we did not send` };
  }
  return { ok: true, body };
}

/** The expensive half: the relay's certified key and its Ed25519 signature. */
export function checkUnreachableSignature(packet: Uint8Array, body: UnreachableBody, lookupKey: LookupNodeKey): UnreachableCheck {
  const relay = sourceIdText(packet);
  const key = lookupKey(relay);
  if (key === undefined || !bytesEqual(nodeIdFromPublicKey(key), packetSource(packet))) {
    return { ok: false, reason: 'unknown-relay', detail: `no certified key for relay ${relay}` };
  }
  if (!verify(body.signature, unreachableSignedBytes(packet, body.reason, body.quote), key)) {
    return { ok: false, reason: 'bad-signature', detail: `unreachable claiming to be from ${relay} has a bad signature` };
  }
  const q = body.quote;
  return {
    ok: true,
    report: {
      relay,
      reason: REASON_NAMES[body.reason],
      droppedType: q[PACKET_TYPE_OFFSET]!,
      droppedDestination: destinationIdText(q),
      probeKey: probeKey(q),
      droppedHopLimit: q[PACKET_HOP_LIMIT_OFFSET]!,
    },
  };
}

/**
 * Check an UNREACHABLE packet addressed to `localId`, both halves, with no
 * budget or matching (the daemon uses UnreachableInbox). Never throws.
 */
export function verifyUnreachable(packet: Uint8Array, localId: Uint8Array, lookupKey: LookupNodeKey): UnreachableCheck {
  const addressed = checkUnreachableAddress(packet, localId);
  if (!addressed.ok) return addressed;
  return checkUnreachableSignature(packet, addressed.body, lookupKey);
}
