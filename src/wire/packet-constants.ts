/**
 * Sizes, versions and type numbers of the mesh packet: what travels between
 * any two members through the mesh, relayed hop by hop, as the data of a link
 * PAYLOAD message on channel MESH_PACKET_CHANNEL. Append only: a released
 * number never changes meaning.
 *
 * Fixed 36-byte header, big-endian, then a body whose length is the rest of
 * the link payload (the link frames it, so the packet carries no length):
 *
 *   offset size field
 *   0      1    version        MESH_PACKET_VERSION
 *   1      1    type           PacketType
 *   2      1    flags          reserved, must be 0 (a decoder refuses others)
 *   3      16   source         node id of the originator
 *   19     16   destination    node id of the final recipient
 *   35     1    hop limit      decremented by every relay; the ONLY byte a relay changes
 *   36     ...  body           per type (session-messages.ts, packet-unreachable.ts)
 *
 * The hop limit sits last so that bytes [0, 35) - version, type, flags,
 * source, destination - are one contiguous, relay-invariant run: sessions
 * pass it (a subarray, no copy) as AEAD associated data, unreachables sign it.
 */
import { AEAD_TAG_BYTES, ED25519_SIGNATURE_BYTES } from '../crypto/primitives.js';
import { NODE_ID_BYTES } from '../identity/node-id.js';
import { LINK_PAYLOAD_MAX_BYTES } from './link-constants.js';

export const MESH_PACKET_VERSION = 1;
/** The link PAYLOAD channel that carries mesh packets. */
export const MESH_PACKET_CHANNEL = 2;

export const PACKET_VERSION_OFFSET = 0;
export const PACKET_TYPE_OFFSET = 1;
export const PACKET_FLAGS_OFFSET = 2;
export const PACKET_SOURCE_OFFSET = 3;
export const PACKET_DESTINATION_OFFSET = PACKET_SOURCE_OFFSET + NODE_ID_BYTES;
export const PACKET_HOP_LIMIT_OFFSET = PACKET_DESTINATION_OFFSET + NODE_ID_BYTES;
export const PACKET_HEADER_BYTES = PACKET_HOP_LIMIT_OFFSET + 1;
/** Bytes [0, PACKET_INVARIANT_BYTES) never change in transit: AEAD AD and signed prefix. */
export const PACKET_INVARIANT_BYTES = PACKET_HOP_LIMIT_OFFSET;

/** A mesh packet fills at most one link payload (64 KiB + change: a jumbo overlay MTU fits). */
export const MAX_PACKET_BYTES = LINK_PAYLOAD_MAX_BYTES;
export const MAX_PACKET_BODY_BYTES = MAX_PACKET_BYTES - PACKET_HEADER_BYTES;

/** What a sender puts in a fresh packet: enough for any mesh diameter we plan for. */
export const DEFAULT_HOP_LIMIT = 64;
export const MAX_HOP_LIMIT = 255;

export const PacketType = {
  /** Session transport: receiver index, counter, AEAD ciphertext (session-messages.ts). */
  DATA: 1,
  /** Noise IK message 1 (session-messages.ts). */
  HANDSHAKE_INIT: 2,
  /** Receiver index, Noise IK message 2 (session-messages.ts). */
  HANDSHAKE_RESPONSE: 3,
  /** A relay's signed report that it could not deliver a packet (packet-unreachable.ts). */
  UNREACHABLE: 4,
} as const;
export type PacketTypeNumber = (typeof PacketType)[keyof typeof PacketType];

// ---- session bodies ---------------------------------------------------------

export const SESSION_INDEX_BYTES = 4;
export const SESSION_COUNTER_BYTES = 8;
/** DATA body: receiver index u32 || counter u64 || ciphertext. */
export const DATA_RECEIVER_INDEX_OFFSET = PACKET_HEADER_BYTES;
export const DATA_COUNTER_OFFSET = DATA_RECEIVER_INDEX_OFFSET + SESSION_INDEX_BYTES;
export const DATA_CIPHERTEXT_OFFSET = DATA_COUNTER_OFFSET + SESSION_COUNTER_BYTES;
export const DATA_PREFIX_BYTES = SESSION_INDEX_BYTES + SESSION_COUNTER_BYTES;
export const DATA_MIN_BODY_BYTES = DATA_PREFIX_BYTES + AEAD_TAG_BYTES;
/** Largest session plaintext one DATA packet carries (65,728 bytes). */
export const MAX_SESSION_PLAINTEXT_BYTES = MAX_PACKET_BODY_BYTES - DATA_MIN_BODY_BYTES;

/** Largest certificate chain an initiator presents (as routing records allow). */
export const SESSION_MAX_CHAIN_BYTES = 8192;
/** Init payload (inside Noise): sender index u32 || timestamp u64 || chain (u16 length + bytes). */
export const INIT_PAYLOAD_FIXED_BYTES = SESSION_INDEX_BYTES + 8 + 2;
export const INIT_PAYLOAD_MAX_BYTES = INIT_PAYLOAD_FIXED_BYTES + SESSION_MAX_CHAIN_BYTES;
/** Response payload (inside Noise): sender index u32. */
export const RESPONSE_PAYLOAD_BYTES = SESSION_INDEX_BYTES;

const X25519_BYTES = 32;
/** IK message 1: e || enc(s) || enc(payload). */
export const IK_MSG1_OVERHEAD = X25519_BYTES + (X25519_BYTES + AEAD_TAG_BYTES) + AEAD_TAG_BYTES;
/** IK message 2: e || enc(payload). */
export const IK_MSG2_OVERHEAD = X25519_BYTES + AEAD_TAG_BYTES;
export const INIT_MIN_BODY_BYTES = IK_MSG1_OVERHEAD + INIT_PAYLOAD_FIXED_BYTES;
export const INIT_MAX_BODY_BYTES = IK_MSG1_OVERHEAD + INIT_PAYLOAD_MAX_BYTES;
/** RESPONSE body: receiver index u32 || IK message 2 (fixed size). */
export const RESPONSE_BODY_BYTES = SESSION_INDEX_BYTES + IK_MSG2_OVERHEAD + RESPONSE_PAYLOAD_BYTES;

// ---- unreachable ------------------------------------------------------------

export const UnreachableReason = {
  NO_ROUTE: 1,
  HOP_LIMIT_EXCEEDED: 2,
} as const;
export type UnreachableReasonNumber = (typeof UnreachableReason)[keyof typeof UnreachableReason];

/**
 * How much of the offending packet an unreachable quotes: the header plus
 * the first 28 body bytes (a DATA packet's receiver index and counter, which
 * identify it to its sender and to nobody else).
 */
export const UNREACHABLE_QUOTE_MAX_BYTES = 64;
/** reason u8 || quote length u8 || quote || Ed25519 signature. */
export const UNREACHABLE_MIN_BODY_BYTES = 2 + PACKET_HEADER_BYTES + ED25519_SIGNATURE_BYTES;
export const UNREACHABLE_MAX_BODY_BYTES = 2 + UNREACHABLE_QUOTE_MAX_BYTES + ED25519_SIGNATURE_BYTES;
/** The signature covers this domain, the sender's invariant header bytes, reason and quote. */
export const UNREACHABLE_SIGNATURE_DOMAIN = new TextEncoder().encode('skein unreachable v1\0');

/** Body length bounds per type, checked by readHeader before anything else looks at a packet. */
export const BODY_BOUNDS: Readonly<Record<PacketTypeNumber, readonly [min: number, max: number]>> = {
  [PacketType.DATA]: [DATA_MIN_BODY_BYTES, MAX_PACKET_BODY_BYTES],
  [PacketType.HANDSHAKE_INIT]: [INIT_MIN_BODY_BYTES, INIT_MAX_BODY_BYTES],
  [PacketType.HANDSHAKE_RESPONSE]: [RESPONSE_BODY_BYTES, RESPONSE_BODY_BYTES],
  [PacketType.UNREACHABLE]: [UNREACHABLE_MIN_BODY_BYTES, UNREACHABLE_MAX_BODY_BYTES],
};
