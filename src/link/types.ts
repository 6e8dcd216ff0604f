/**
 * What the link layer knows about the node at the other end, and the hook
 * that proves it.
 *
 * The identity layer's verified-node type is a superset of PeerIdentity; the
 * daemon injects an `AuthenticatePeer` built on the trust store (chain to a
 * trusted CA, validity, revocation, and "the certificate certifies exactly
 * this static key").
 */

export interface PeerIdentity {
  /** Node id: BLAKE2b-128 of the Ed25519 public key (16 bytes). */
  id: Uint8Array;
  /** The node id as 32 lowercase hex characters. */
  idText: string;
  /** Certified node name. */
  name: string;
  /** Certified Ed25519 public key; its X25519 form is the handshake's static key. */
  publicKey: Uint8Array;
}

/**
 * Checks the peer's handshake payload (its certificate chain, opaque here)
 * against the static X25519 key it used in the handshake. Returns what was
 * proven or throws a SkeinError naming the reason (expired, revoked,
 * unknown CA, key mismatch...).
 */
export type AuthenticatePeer = (peerPayload: Uint8Array, remoteStaticX25519: Uint8Array) => PeerIdentity;

/** What the dialer believes it is dialing (from the advertisement that caused the dial). */
export interface ExpectedPeer {
  idText?: string;
  name?: string;
}
