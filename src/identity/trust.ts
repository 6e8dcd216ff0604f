/**
 * Trust anchors: the CA certificates a node trusts (several during a
 * rotation, all of one cluster) and the newest revocation list from each of
 * them. Built only through `buildTrustAnchors`, which checks every input, so
 * verification can rely on them.
 */
import { bytesEqual } from '../codec/codec.js';
import { ErrorCodes, SkeinError } from '../util/errors.js';
import { type Certificate, certificateSignedBy, roleWords } from './certificate.js';
import { clusterIdToText } from './cluster-id.js';
import { nodeIdFromPublicKey, nodeIdToText } from './node-id.js';
import { type RevocationList, listContains, revocationListSignatureValid } from './revocation.js';

export interface TrustAnchors {
  clusterId: Uint8Array;
  cas: Certificate[];
  /** At most one list per CA: the one with the highest sequence number. */
  revocations: RevocationList[];
}

function checkCa(ca: Certificate, first: Certificate): void {
  const id = nodeIdToText(nodeIdFromPublicKey(ca.publicKey));
  if (ca.role !== 'ca') {
    throw new SkeinError(ErrorCodes.CERT_CONSTRAINT, `'${ca.name}' (key ${id}) is ${roleWords(ca.role)} certificate, not a cluster CA certificate`);
  }
  if (!bytesEqual(ca.issuerKeyId, nodeIdFromPublicKey(ca.publicKey)) || !certificateSignedBy(ca, ca.publicKey)) {
    throw new SkeinError(ErrorCodes.CERT_BAD_SIGNATURE, `CA certificate '${ca.name}' (key ${id}) does not carry a valid self-signature`);
  }
  if (!bytesEqual(ca.clusterId, first.clusterId) || ca.name !== first.name) {
    throw new SkeinError(
      ErrorCodes.CERT_WRONG_CLUSTER,
      `CA certificate of cluster '${ca.name}' (${clusterIdToText(ca.clusterId)}) cannot be trusted with one of cluster '${first.name}' (${clusterIdToText(first.clusterId)})`,
    );
  }
}

function checkRevocationList(crl: RevocationList, cas: readonly Certificate[], clusterId: Uint8Array): void {
  const issuer = cas.find((ca) => bytesEqual(nodeIdFromPublicKey(ca.publicKey), crl.issuerKeyId));
  const which = `revocation list #${crl.sequence} from CA ${nodeIdToText(crl.issuerKeyId)}`;
  if (!bytesEqual(crl.clusterId, clusterId)) {
    throw new SkeinError(ErrorCodes.CERT_WRONG_CLUSTER, `${which} belongs to cluster ${clusterIdToText(crl.clusterId)}, not ${clusterIdToText(clusterId)}`);
  }
  if (issuer === undefined) throw new SkeinError(ErrorCodes.CERT_UNKNOWN_ISSUER, `${which}: that CA is not trusted`);
  if (!revocationListSignatureValid(crl, issuer.publicKey)) {
    throw new SkeinError(ErrorCodes.CERT_BAD_SIGNATURE, `${which}: bad signature`);
  }
}

/** Adds a list if it is newer than the one held from the same CA; throws when it is not trustworthy. */
export function addRevocationList(trust: TrustAnchors, crl: RevocationList): TrustAnchors {
  checkRevocationList(crl, trust.cas, trust.clusterId);
  const current = trust.revocations.find((r) => bytesEqual(r.issuerKeyId, crl.issuerKeyId));
  if (current !== undefined && current.sequence >= crl.sequence) return trust;
  const others = trust.revocations.filter((r) => r !== current);
  return { ...trust, revocations: [...others, crl] };
}

export function buildTrustAnchors(cas: readonly Certificate[], revocations: readonly RevocationList[] = []): TrustAnchors {
  const first = cas[0];
  if (first === undefined) throw new SkeinError(ErrorCodes.USAGE, 'at least one trusted CA certificate is needed');
  const unique: Certificate[] = [];
  for (const ca of cas) {
    checkCa(ca, first);
    if (!unique.some((u) => bytesEqual(u.publicKey, ca.publicKey))) unique.push(ca);
  }
  let trust: TrustAnchors = { clusterId: first.clusterId, cas: unique, revocations: [] };
  for (const crl of revocations) trust = addRevocationList(trust, crl);
  return trust;
}

/** True when any trusted revocation list names this key fingerprint (node id). */
export function isRevoked(fingerprint: Uint8Array, trust: TrustAnchors): boolean {
  return trust.revocations.some((crl) => listContains(crl.revoked, fingerprint));
}

/** The list that revokes a fingerprint, for messages. */
export function revokedBy(fingerprint: Uint8Array, trust: TrustAnchors): RevocationList | undefined {
  return trust.revocations.find((crl) => listContains(crl.revoked, fingerprint));
}

export function findCa(trust: TrustAnchors, keyId: Uint8Array): Certificate | undefined {
  return trust.cas.find((ca) => bytesEqual(nodeIdFromPublicKey(ca.publicKey), keyId));
}
