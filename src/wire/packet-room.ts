/**
 * The room around a packet, all in one place: how many spare bytes each
 * layer needs before and after the bytes it is handed, so that a packet read
 * from TUN leaves for the socket sealed twice without one copy in JavaScript.
 *
 *   link frame:  u32 length | version type channel | mesh packet ......... | link tag
 *                '----------- FRAME_HEADROOM -----'                          FRAME_TAILROOM
 *   mesh DATA:   mesh header | receiver index | counter | ciphertext ...... | session tag
 *                '----------- SESSION_HEADROOM ---------'                     SESSION_TAILROOM
 *   payload:     kind | IP packet (as read from TUN)
 *                PAYLOAD_KIND_BYTES
 *
 * Each layer writes its header into the headroom left for it and its tag
 * into the tailroom, outermost last: the TUN device reads every packet with
 * TUN_READ_ROOM around it, the session seals the payload over its own bytes
 * (SEAL_IN_PLACE_*), the link frames the sealed packet over its own bytes
 * (FRAME_*). Every number is derived from the constants of the framing it
 * stands for, so a change there moves the room with it. Buffers with room
 * come from wire/frame-room.ts.
 */
import { AEAD_TAG_BYTES } from '../crypto/primitives.js';
import { FRAME_HEADER_BYTES, LINK_PAYLOAD_OVERHEAD } from './link-constants.js';
import { DATA_CIPHERTEXT_OFFSET } from './packet-constants.js';
import { PAYLOAD_KIND_BYTES } from './session-payload.js';

/** Spare bytes before and after a packet, in the same ArrayBuffer. */
export interface PacketRoom {
  headroom: number;
  tailroom: number;
}

/** Bytes a link frame needs before a payload: frame length + link message header + channel. */
export const FRAME_HEADROOM = FRAME_HEADER_BYTES + LINK_PAYLOAD_OVERHEAD;
/** Bytes a link frame needs after a payload: the link AEAD tag. */
export const FRAME_TAILROOM = AEAD_TAG_BYTES;

/** Bytes a session DATA packet puts before its ciphertext: mesh header, receiver index, counter. */
export const SESSION_HEADROOM = DATA_CIPHERTEXT_OFFSET;
/** Bytes a session DATA packet puts after its ciphertext: the session AEAD tag. */
export const SESSION_TAILROOM = AEAD_TAG_BYTES;

/** Room a session plaintext needs around it to be sealed in place and then framed in place. */
export const SEAL_IN_PLACE_HEADROOM = SESSION_HEADROOM + FRAME_HEADROOM;
export const SEAL_IN_PLACE_TAILROOM = SESSION_TAILROOM + FRAME_TAILROOM;

/** Bytes an IP packet needs before it to become an IP payload in place (the kind byte). */
export const IP_PAYLOAD_HEADROOM = PAYLOAD_KIND_BYTES;

/**
 * Room each packet is read from TUN with: the IP payload's kind byte, the
 * session header and tag, the link frame's header and tag.
 */
export const TUN_READ_ROOM: Readonly<PacketRoom> = Object.freeze({
  headroom: IP_PAYLOAD_HEADROOM + SEAL_IN_PLACE_HEADROOM,
  tailroom: SEAL_IN_PLACE_TAILROOM,
});

/** True if a device's read room is enough to seal and frame its packets in place. */
export function coversTunReadRoom(room: Readonly<PacketRoom>): boolean {
  return room.headroom >= TUN_READ_ROOM.headroom && room.tailroom >= TUN_READ_ROOM.tailroom;
}
