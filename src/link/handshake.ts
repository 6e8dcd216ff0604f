/**
 * The link's use of the Noise XX handshake: the prologue that binds protocol
 * and cluster, and the peer checks run before any application data.
 *
 * Checks, in order, inside the handshake (before the initiator sends message
 * 3, before the responder completes):
 *   1. the injected authenticator: certificate chain, validity, revocation,
 *      and "certifies exactly this static key";
 *   2. for a dial caused by an advertisement: the proven name and id equal
 *      the advertised ones (SKEIN_ERR_AUTH otherwise). This is what stops
 *      node C from passing itself off as B with C's own key: C can only prove
 *      C, and "expected B, proved C" fails here.
 */
import { NoiseXX, type HandshakeRole } from '../crypto/noise.js';
import { noisePrologue, type NoiseCurve } from '../crypto/noise-state.js';
import type { DhKeyPair } from '../crypto/primitives.js';
import { ErrorCodes, SkeinError } from '../util/errors.js';
import { LINK_CLUSTER_ID_BYTES, LINK_PROLOGUE_LABEL, LINK_PROTOCOL_VERSION } from '../wire/link-constants.js';
import type { Member } from '../identity/member.js';
import type { AuthenticatePeer, ExpectedPeer } from './types.js';

/** "skein link" || version u8 || cluster id (5 bytes). */
export function linkPrologue(clusterId: Uint8Array): Uint8Array {
  return noisePrologue(LINK_PROLOGUE_LABEL, LINK_PROTOCOL_VERSION, clusterId, LINK_CLUSTER_ID_BYTES);
}

/** Throws SKEIN_ERR_AUTH when the proven identity is not the one the dial expected. */
export function checkExpectedPeer(expected: ExpectedPeer | undefined, proven: Member): void {
  if (expected === undefined) return;
  const idMismatch = expected.idText !== undefined && expected.idText !== proven.idText;
  const nameMismatch = expected.name !== undefined && expected.name !== proven.name;
  if (!idMismatch && !nameMismatch) return;
  const want = `name '${expected.name ?? '(any)'}' id ${expected.idText ?? '(any)'}`;
  const got = `name '${proven.name}' id ${proven.idText}`;
  throw new SkeinError(ErrorCodes.AUTH, `peer identity mismatch: expected ${want}, but the peer proved ${got}`);
}

/** The authenticator followed by the expected-identity check. */
export function authenticateExpected(authenticate: AuthenticatePeer, expected: ExpectedPeer | undefined): AuthenticatePeer {
  return (payload, remoteStatic) => {
    const peer = authenticate(payload, remoteStatic);
    checkExpectedPeer(expected, peer);
    return peer;
  };
}

export interface LinkHandshakeOptions {
  role: HandshakeRole;
  /** The node's static X25519 key pair: x25519KeyPairFromSigning(node key). */
  staticKeyPair: DhKeyPair;
  /** The cluster id (40 bits) from the CA certificate. */
  clusterId: Uint8Array;
  /** Our certificate chain, sent inside the encrypted handshake. */
  certificatePayload: Uint8Array;
  authenticatePeer: AuthenticatePeer;
  /** Only for the dialer: who the advertisement said is there. */
  expected?: ExpectedPeer;
  /**
   * Only for the dialer: the listener's static X25519 key when known (from
   * its advertisement, or a link before): the initiation then carries mac1.
   * Without it the initiation is unkeyed, which listeners answer only at a
   * small rate, if at all (see admitUnkeyed).
   */
  responderStaticKey?: Uint8Array;
  /** Only for the listener: asked once per unkeyed initiation whether to answer it. Default: never. */
  admitUnkeyed?: () => boolean;
  /** Diffie-Hellman functions for Noise (default X25519); tests inject a counting double. */
  curve?: NoiseCurve;
}

export function createLinkHandshake(opts: LinkHandshakeOptions): NoiseXX<Member> {
  return new NoiseXX<Member>({
    role: opts.role,
    staticKeyPair: opts.staticKeyPair,
    prologue: linkPrologue(opts.clusterId),
    payload: opts.certificatePayload,
    authenticate: authenticateExpected(opts.authenticatePeer, opts.expected),
    ...(opts.curve === undefined ? {} : { curve: opts.curve }),
  });
}
