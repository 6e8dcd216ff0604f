/**
 * Buffers with room around a packet for sealing in place (how much room
 * each layer needs: wire/packet-room.ts).
 *
 * A mesh packet travels inside one link frame:
 *
 *   u32 length | version type channel | mesh packet ............ | link AEAD tag
 *   '-------- FRAME_HEADROOM --------'                             '- TAILROOM -'
 *
 * A buffer "with room" has FRAME_HEADROOM spare bytes before the packet and
 * FRAME_TAILROOM after it, in the same ArrayBuffer and owned by whoever owns
 * the packet. The link then writes its header into the headroom, encrypts
 * the message in place and puts the tag into the tailroom: a frame leaves
 * the process without one copy in JavaScript. A relay receives a frame the
 * same way (decrypted in place, the payload a view with the same room around
 * it), so it re-seals the same bytes for the next hop.
 *
 * Ownership is the contract: whoever hands a buffer "with room" to the link
 * (SecureChannel.sendOwned) gives up the packet and its room. Buffers come
 * from `allocateWithRoom`, from the TUN reader, or from a link's received
 * payloads; never from a pool shared with other data (Buffer.allocUnsafe).
 */
import { FRAME_HEADROOM, FRAME_TAILROOM } from './packet-room.js';

/**
 * A fresh, unshared buffer of `length` bytes with `headroom` before and
 * `tailroom` after it (at least the frame's). Not zeroed: the caller writes
 * every byte it sends.
 */
export function allocateWithRoom(length: number, headroom = FRAME_HEADROOM, tailroom = FRAME_TAILROOM): Uint8Array {
  const whole = Buffer.allocUnsafeSlow(headroom + length + tailroom);
  return new Uint8Array(whole.buffer, whole.byteOffset + headroom, length);
}

/**
 * A copy of `view` in a buffer of its own with the same room around it: for
 * what is kept a while (queued), so a small view does not keep a large
 * buffer (a socket's read chunk, a TUN read batch) alive.
 */
export function copyWithRoom(view: Uint8Array, headroom = FRAME_HEADROOM, tailroom = FRAME_TAILROOM): Uint8Array {
  const copy = allocateWithRoom(view.byteLength, headroom, tailroom);
  copy.set(view);
  return copy;
}

/** True if `view` holds much less than the buffer behind it: worth a copy before it is kept for a while. */
export function pinsLargerBuffer(view: Uint8Array): boolean {
  return view.buffer.byteLength > 2 * view.byteLength + PIN_SLACK_BYTES;
}

/** Room and framing around a view never make it worth a copy. */
const PIN_SLACK_BYTES = 256;

/** True if `view` has at least this much room inside its ArrayBuffer (bounds only: ownership is the caller's promise). */
export function hasRoom(view: Uint8Array, headroom = FRAME_HEADROOM, tailroom = FRAME_TAILROOM): boolean {
  return view.byteOffset >= headroom && view.byteOffset + view.byteLength + tailroom <= view.buffer.byteLength;
}

/** The bytes `before` ahead of `view` through `after` past its end (check hasRoom first). */
export function widen(view: Uint8Array, before: number, after: number): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset - before, before + view.byteLength + after);
}
