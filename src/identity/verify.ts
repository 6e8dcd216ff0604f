/**
 * Verification: one pure function from (presented chain bytes, trust anchors,
 * now) to a verified node, or a SkeinError with a stable code.
 *
 * Order of checks (the first failure decides the code):
 *   decode            → CERT_UNSUPPORTED_VERSION | CERT_MALFORMED
 *   chain shape       → CERT_CONSTRAINT (leaf must be a node, the next an intermediate)
 *   cluster id        → CERT_WRONG_CLUSTER
 *   issuer lookup     → CERT_UNKNOWN_ISSUER
 *   signatures        → CERT_BAD_SIGNATURE
 *   validity period   → CERT_NOT_YET_VALID | CERT_EXPIRED (node, intermediate, CA)
 *   revocation        → CERT_REVOKED (any key in the chain, CA included)
 *   signer limits     → CERT_CONSTRAINT
 */
import { x25519PublicFromEd25519 } from '../crypto/primitives.js';
import { DecodeError, ErrorCodes, SkeinError } from '../util/errors.js';
import { bytesEqual } from '../codec/codec.js';
import { type Certificate, type CertificateParts, certificateSignatureValid } from './certificate.js';
import { decodeChainParts } from './chain.js';
import { clusterIdToText } from './cluster-id.js';
import { MS_PER_SECOND } from './constants.js';
import { checkSignerConstraints } from './constraints.js';
import { UnsupportedVersionError } from './header.js';
import { nodeIdFromPublicKey, nodeIdToText } from './node-id.js';
import { findCa, revokedBy, type TrustAnchors } from './trust.js';
import type { Member } from './member.js';
import type { ChainStanding } from './trust-store.js';
import { formatTime } from './time.js';

/** A verified node certificate chain: the member it proves, and the chain's own details. */
export interface VerifiedNode extends Member {
  /** X25519 key derived from the public key: what the peer's Noise static key must be. */
  dhPublicKey: Uint8Array;
  /** The node certificate's own validity in milliseconds since the epoch (its whole seconds × 1000); the chain's is `standing`. */
  notBefore: number;
  notAfter: number;
  clusterId: Uint8Array;
  /** Key id of the direct issuer (the CA or the intermediate). */
  issuerKeyId: Uint8Array;
}

const fail = (code: (typeof ErrorCodes)[keyof typeof ErrorCodes], message: string): never => {
  throw new SkeinError(code, message);
};

function describe(cert: Certificate): string {
  const kind = cert.role === 'node' ? 'node' : cert.role === 'intermediate' ? 'intermediate signer' : 'CA';
  return `${kind} '${cert.name}' (key ${nodeIdToText(nodeIdFromPublicKey(cert.publicKey))})`;
}

function decode(chainBytes: Uint8Array): CertificateParts[] {
  try {
    return decodeChainParts(chainBytes);
  } catch (err) {
    if (err instanceof UnsupportedVersionError) throw new SkeinError(ErrorCodes.CERT_UNSUPPORTED_VERSION, err.message);
    if (err instanceof DecodeError) throw new SkeinError(ErrorCodes.CERT_MALFORMED, `malformed certificate: ${err.message}`);
    throw err;
  }
}

function checkShape(parts: CertificateParts[]): { leaf: CertificateParts; intermediate: CertificateParts | undefined } {
  const [leaf, intermediate] = parts as [CertificateParts, CertificateParts | undefined];
  if (leaf.cert.role !== 'node') fail(ErrorCodes.CERT_CONSTRAINT, `${describe(leaf.cert)}: not a node certificate`);
  if (intermediate !== undefined && intermediate.cert.role !== 'intermediate') {
    const why = intermediate.cert.role === 'node' ? 'a node certificate never signs' : 'a CA certificate is a trust anchor, not part of a presented chain';
    fail(ErrorCodes.CERT_CONSTRAINT, `${describe(leaf.cert)}: chain holds ${describe(intermediate.cert)}, but ${why}`);
  }
  return { leaf, intermediate };
}

function checkSignatures(leaf: CertificateParts, intermediate: CertificateParts | undefined, trust: TrustAnchors): Certificate {
  const top = intermediate ?? leaf;
  const ca = findCa(trust, top.cert.issuerKeyId);
  if (ca === undefined) {
    fail(ErrorCodes.CERT_UNKNOWN_ISSUER, `${describe(top.cert)} was issued by ${nodeIdToText(top.cert.issuerKeyId)}, which is not a trusted CA`);
  }
  const anchor = ca as Certificate;
  if (!certificateSignatureValid(top, anchor.publicKey)) fail(ErrorCodes.CERT_BAD_SIGNATURE, `${describe(top.cert)}: bad signature`);
  if (intermediate !== undefined) {
    if (!bytesEqual(leaf.cert.issuerKeyId, nodeIdFromPublicKey(intermediate.cert.publicKey))) {
      fail(ErrorCodes.CERT_UNKNOWN_ISSUER, `${describe(leaf.cert)} was not issued by the ${describe(intermediate.cert)} presented with it`);
    }
    if (!certificateSignatureValid(leaf, intermediate.cert.publicKey)) fail(ErrorCodes.CERT_BAD_SIGNATURE, `${describe(leaf.cert)}: bad signature`);
  }
  return anchor;
}

function checkTime(cert: Certificate, nowMs: number): void {
  const now = Math.floor(nowMs / MS_PER_SECOND);
  if (now < cert.notBefore) fail(ErrorCodes.CERT_NOT_YET_VALID, `${describe(cert)}: not valid before ${formatTime(cert.notBefore)}`);
  if (now > cert.notAfter) fail(ErrorCodes.CERT_EXPIRED, `${describe(cert)}: expired at ${formatTime(cert.notAfter)}`);
}

function checkRevoked(cert: Certificate, trust: TrustAnchors): void {
  const list = revokedBy(nodeIdFromPublicKey(cert.publicKey), trust);
  if (list !== undefined) {
    fail(ErrorCodes.CERT_REVOKED, `${describe(cert)}: key revoked by revocation list #${list.sequence} of CA ${nodeIdToText(list.issuerKeyId)}`);
  }
}

export function verifyNodeChain(chainBytes: Uint8Array, trust: TrustAnchors, nowMs: number): VerifiedNode {
  const { leaf, intermediate } = checkShape(decode(chainBytes));
  for (const part of [leaf, intermediate]) {
    if (part !== undefined && !bytesEqual(part.cert.clusterId, trust.clusterId)) {
      fail(ErrorCodes.CERT_WRONG_CLUSTER, `${describe(part.cert)} belongs to cluster ${clusterIdToText(part.cert.clusterId)}, not ${clusterIdToText(trust.clusterId)}`);
    }
  }
  const anchor = checkSignatures(leaf, intermediate, trust);
  const chain = intermediate === undefined ? [leaf.cert, anchor] : [leaf.cert, intermediate.cert, anchor];
  for (const cert of chain) checkTime(cert, nowMs);
  for (const cert of chain) checkRevoked(cert, trust);
  if (intermediate !== undefined) {
    try {
      checkSignerConstraints(intermediate.cert, leaf.cert.name, leaf.cert.groups);
    } catch (err) {
      if (err instanceof SkeinError) fail(err.code, `${describe(leaf.cert)}: ${err.message}`);
      throw err;
    }
  }
  const node = leaf.cert;
  let dhPublicKey: Uint8Array;
  try {
    dhPublicKey = x25519PublicFromEd25519(node.publicKey);
  } catch {
    return fail(ErrorCodes.CERT_MALFORMED, `${describe(node)}: the public key is not a valid Ed25519 key`);
  }
  const id = nodeIdFromPublicKey(node.publicKey);
  const standing: ChainStanding = {
    keyIds: chain.map((cert) => nodeIdToText(nodeIdFromPublicKey(cert.publicKey))),
    notAfterMs: Math.min(...chain.map((cert) => cert.notAfter)) * MS_PER_SECOND,
  };
  return {
    id,
    idText: nodeIdToText(id),
    name: node.name,
    publicKey: node.publicKey,
    dhPublicKey,
    groups: [...node.groups],
    notBefore: node.notBefore * MS_PER_SECOND,
    notAfter: node.notAfter * MS_PER_SECOND,
    clusterId: node.clusterId,
    issuerKeyId: node.issuerKeyId,
    notAfterMs: standing.notAfterMs,
    standing,
  };
}
