/**
 * Sizes, versions and type numbers of the link protocol (TCP links between
 * neighbours), in one place. Append only: a released number never changes
 * meaning.
 *
 * On the wire a link is a sequence of frames, each `u32 length || body`:
 *   - the initiation (body = Noise message 1 || mac1, see link-initiation.ts),
 *     then Noise XX messages 2 and 3 (body = Noise message);
 *   - then transport messages (body = ChaCha20-Poly1305 ciphertext of one
 *     link message: `version u8 || type u8 || fields`).
 */
import { AEAD_TAG_BYTES, X25519_KEY_BYTES } from '../crypto/primitives.js';
import { NOISE_MAX_HANDSHAKE_MESSAGE_BYTES } from '../crypto/noise.js';

/**
 * Protocol version: in the prologue and in every link message. Version 2
 * added mac1 to the initiation; version 3 replaced both ends' PING/PONG
 * with one three-message keepalive exchange (types 5 to 7). Nodes of
 * different versions do not link (the prologues differ).
 */
export const LINK_PROTOCOL_VERSION = 3;
/** Prologue label; with the version and cluster id it makes the Noise prologue. */
export const LINK_PROLOGUE_LABEL = 'skein link';
/** The cluster id (40-bit RFC 4193 global id) bound into the prologue. */
export const LINK_CLUSTER_ID_BYTES = 5;

/** The frame length prefix (u32, big-endian). */
export const FRAME_HEADER_BYTES = 4;

/** Link message header: version byte + type byte. */
export const LINK_MESSAGE_HEADER_BYTES = 2;
/** Largest opaque payload one link message carries (a 64 KiB overlay packet and change). */
export const LINK_PAYLOAD_MAX_BYTES = 65_536 + 256;
/** Payload message fields before the data: the channel byte. */
export const LINK_PAYLOAD_OVERHEAD = LINK_MESSAGE_HEADER_BYTES + 1;
/** Largest plaintext link message. */
export const LINK_MESSAGE_MAX_BYTES = LINK_PAYLOAD_MAX_BYTES + LINK_PAYLOAD_OVERHEAD;

/** Largest frame body after the handshake: one sealed link message. */
export const MAX_FRAME_BYTES = LINK_MESSAGE_MAX_BYTES + AEAD_TAG_BYTES;
/** mac1: a keyed BLAKE2b-128 over the initiation, keyed by the responder's static key. */
export const LINK_MAC1_BYTES = 16;
/** Label of the key mac1 is computed with (BLAKE2b-256 of label || responder static key). */
export const LINK_MAC1_LABEL = 'skein link mac1';
/** An initiation from a dialer that knows our key: Noise message 1 (the ephemeral) || mac1. */
export const LINK_INITIATION_KEYED_BYTES = X25519_KEY_BYTES + LINK_MAC1_BYTES;
/** An initiation from a dialer that does not know our key (a static peer's first contact): Noise message 1 alone. */
export const LINK_INITIATION_UNKEYED_BYTES = X25519_KEY_BYTES;
/** Largest frame body during the handshake (before the peer is authenticated). */
export const MAX_HANDSHAKE_FRAME_BYTES = NOISE_MAX_HANDSHAKE_MESSAGE_BYTES;

/** Link message types. */
export const LinkMessageType = {
  /** 1 and 2: version 2's PING and PONG (seq, timestamp); retired, refused as unknown. */
  CLOSE: 3,
  PAYLOAD: 4,
  PING: 5,
  PONG: 6,
  ECHO: 7,
} as const;

/** A keepalive challenge: random, so that no peer can answer one before it arrives. */
export const LINK_CHALLENGE_BYTES = 8;

/** Longest human-readable text in a CLOSE message, in UTF-8 bytes. */
export const LINK_CLOSE_TEXT_MAX_BYTES = 200;

/** Why a side closes a link, as sent in CLOSE. Unknown codes decode as-is. */
export const LinkCloseCode = {
  NORMAL: 0,
  SHUTDOWN: 1,
  PROTOCOL_ERROR: 2,
  AUTH_FAILED: 3,
  DUPLICATE: 4,
  REVOKED: 5,
  REKEY_REQUIRED: 6,
  INTERFACE_DOWN: 7,
} as const;
