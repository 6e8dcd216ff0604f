/**
 * The initiation: the body of a link's first frame, dialer to listener.
 *
 *   keyed    ephemeral (32) || mac1 (16)   the dialer knows our static key
 *   unkeyed  ephemeral (32)                 it does not (a static peer's first contact)
 *
 * The length alone tells the two apart; anything else is malformed. The
 * ephemeral is Noise XX message 1 (`-> e`, empty payload). mac1 is checked
 * before any Diffie-Hellman (link/mac1.ts); this codec only splits bytes.
 */
import { DecodeError, ErrorCodes, SkeinError } from '../util/errors.js';
import { LINK_INITIATION_KEYED_BYTES, LINK_INITIATION_UNKEYED_BYTES, LINK_MAC1_BYTES } from './link-constants.js';

export interface LinkInitiation {
  /** Noise message 1. */
  noiseMessage: Uint8Array;
  /** null for an unkeyed initiation. */
  mac1: Uint8Array | null;
}

export function encodeInitiation(noiseMessage: Uint8Array, mac1: Uint8Array | null): Uint8Array {
  if (noiseMessage.byteLength !== LINK_INITIATION_UNKEYED_BYTES) {
    throw new SkeinError(ErrorCodes.ENCODE, `link initiation: Noise message 1 must be ${LINK_INITIATION_UNKEYED_BYTES} bytes, got ${noiseMessage.byteLength}`);
  }
  if (mac1 === null) return new Uint8Array(noiseMessage);
  if (mac1.byteLength !== LINK_MAC1_BYTES) throw new SkeinError(ErrorCodes.ENCODE, `link initiation: mac1 must be ${LINK_MAC1_BYTES} bytes, got ${mac1.byteLength}`);
  const out = new Uint8Array(LINK_INITIATION_KEYED_BYTES);
  out.set(noiseMessage, 0);
  out.set(mac1, LINK_INITIATION_UNKEYED_BYTES);
  return out;
}

/** Split an initiation; the parts are views into `body`. Throws DecodeError for any other length. */
export function decodeInitiation(body: Uint8Array): LinkInitiation {
  if (body.byteLength === LINK_INITIATION_KEYED_BYTES) {
    return { noiseMessage: body.subarray(0, LINK_INITIATION_UNKEYED_BYTES), mac1: body.subarray(LINK_INITIATION_UNKEYED_BYTES) };
  }
  if (body.byteLength === LINK_INITIATION_UNKEYED_BYTES) return { noiseMessage: body, mac1: null };
  throw new DecodeError(`link initiation: ${body.byteLength} bytes, expected ${LINK_INITIATION_KEYED_BYTES} (keyed) or ${LINK_INITIATION_UNKEYED_BYTES} (unkeyed)`);
}
