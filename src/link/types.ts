/**
 * What the link layer proves about the node at the other end, and the hook
 * that proves it: the daemon injects an `AuthenticatePeer` built on the
 * trust store (chain to a trusted CA, validity, revocation, and "the
 * certificate certifies exactly this static key"); it returns the Member
 * (identity/member.ts) the chain proves.
 */
import type { Member } from '../identity/member.js';

/**
 * Checks the peer's handshake payload (its certificate chain, opaque here)
 * against the static X25519 key it used in the handshake. Returns what was
 * proven or throws a SkeinError naming the reason (expired, revoked,
 * unknown CA, key mismatch...).
 */
export type AuthenticatePeer = (peerPayload: Uint8Array, remoteStaticX25519: Uint8Array) => Member;

/** What the dialer believes it is dialing (from the advertisement that caused the dial). */
export interface ExpectedPeer {
  idText?: string;
  name?: string;
}
