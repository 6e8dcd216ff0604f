/**
 * Issuing: the CA-side operations, pure (keys, requests and the time in;
 * signed objects out). The CA never sees a node's private key: it certifies a
 * public key.
 *
 *   createCa            self-signed cluster CA (new cluster, or a rotation
 *                       that keeps the cluster id and name)
 *   issueIntermediate   CA → intermediate signer, optionally constrained
 *   issueNodeCertificate CA or intermediate → node
 *   issueRevocationList CA → new list superseding the previous one
 */
import { bytesEqual } from '../codec/codec.js';
import { ErrorCodes, SkeinError } from '../util/errors.js';
import { type Certificate, type SignerConstraints, canonicalList, roleWords, signCertificate } from './certificate.js';
import { clusterIdFromCaKey } from './cluster-id.js';
import {
  DEFAULT_CA_DAYS,
  MAX_REVOKED_KEYS,
  MAX_VALIDITY_DAYS,
  MS_PER_SECOND,
  NOT_BEFORE_BACKDATE_SECONDS,
  SECONDS_PER_DAY,
} from './constants.js';
import { validateClusterName, validateGroupName, validateNamePatternList, validateNodeName, validateSignerName } from './names.js';
import { isUsablePublicKey, type NodeKey } from './node-key.js';
import { nodeIdFromPublicKey, nodeIdToText } from './node-id.js';
import { type RevocationList, canonicalFingerprints, signRevocationList } from './revocation.js';
import { checkSignerConstraints } from './constraints.js';
import { formatTime } from './time.js';

/** A CA or intermediate: its key and its certificate. */
export interface Signer {
  key: NodeKey;
  certificate: Certificate;
}

export interface ValidityRequest {
  /** Issue time. */
  nowMs: number;
  /** Whole days of validity, 1..MAX_VALIDITY_DAYS. */
  days: number;
  /** Start of validity; default: nowMs minus a few minutes of allowance for clock skew. */
  notBeforeMs?: number;
}

export interface CaRequest extends Partial<Pick<ValidityRequest, 'days' | 'notBeforeMs'>> {
  key: NodeKey;
  /** The cluster name; for a rotation it must equal the old CA's (or be omitted). */
  name?: string;
  nowMs: number;
  /** Rotation: the certificate of a CA of the same cluster, whose cluster id and name the new CA keeps. */
  rotateFrom?: Certificate;
}

export interface NodeRequest extends ValidityRequest {
  publicKey: Uint8Array;
  name: string;
  groups?: string[];
}

export interface IntermediateRequest extends ValidityRequest {
  publicKey: Uint8Array;
  name: string;
  constraints?: Partial<SignerConstraints>;
}

function validity(req: ValidityRequest): { notBefore: number; notAfter: number } {
  if (!Number.isInteger(req.days) || req.days < 1 || req.days > MAX_VALIDITY_DAYS) {
    throw new SkeinError(ErrorCodes.USAGE, `validity must be a whole number of days from 1 to ${MAX_VALIDITY_DAYS}, got ${req.days}`);
  }
  const base = Math.floor((req.notBeforeMs ?? req.nowMs) / MS_PER_SECOND);
  const notBefore = req.notBeforeMs === undefined ? Math.max(0, base - NOT_BEFORE_BACKDATE_SECONDS) : base;
  return { notBefore, notAfter: base + req.days * SECONDS_PER_DAY };
}

export function createCa(req: CaRequest): Certificate {
  const old = req.rotateFrom;
  if (old !== undefined && old.role !== 'ca') {
    throw new SkeinError(ErrorCodes.CERT_CONSTRAINT, `a CA can only be rotated from a CA certificate, not from ${roleWords(old.role)} certificate`);
  }
  const name = req.name ?? old?.name;
  if (name === undefined) throw new SkeinError(ErrorCodes.USAGE, 'a new cluster CA needs a cluster name');
  validateClusterName(name);
  if (old !== undefined && name !== old.name) {
    throw new SkeinError(ErrorCodes.USAGE, `a rotated CA keeps the cluster name '${old.name}', not '${name}'`);
  }
  const publicKey = req.key.signing.publicKey;
  const times = validity({ nowMs: req.nowMs, days: req.days ?? DEFAULT_CA_DAYS, ...(req.notBeforeMs === undefined ? {} : { notBeforeMs: req.notBeforeMs }) });
  return signCertificate({
    role: 'ca',
    clusterId: old?.clusterId ?? clusterIdFromCaKey(publicKey),
    name,
    publicKey,
    ...times,
    issuerKeyId: req.key.id,
    groups: [],
    constraints: null,
  }, req.key.signing.secretKey);
}

/** Refuses signers that cannot sign this, certificates outliving their signer, and unusable keys. */
function checkCanIssue(signer: Signer, subject: string, publicKey: Uint8Array, times: { notAfter: number }, nowMs: number): void {
  const sc = signer.certificate;
  if (!bytesEqual(sc.publicKey, signer.key.signing.publicKey)) {
    throw new SkeinError(ErrorCodes.CERT_CONSTRAINT, `the signing key (id ${signer.key.idText}) does not belong to the ${sc.role} certificate '${sc.name}'`);
  }
  if (sc.role === 'node') throw new SkeinError(ErrorCodes.CERT_CONSTRAINT, `'${sc.name}' holds a node certificate, and a node certificate never signs`);
  if (nowMs > sc.notAfter * MS_PER_SECOND) {
    throw new SkeinError(ErrorCodes.CERT_EXPIRED, `the ${sc.role} certificate '${sc.name}' expired at ${formatTime(sc.notAfter)}`);
  }
  if (times.notAfter > sc.notAfter) {
    const maxDays = Math.floor((sc.notAfter * MS_PER_SECOND - nowMs) / (SECONDS_PER_DAY * MS_PER_SECOND));
    throw new SkeinError(
      ErrorCodes.CERT_CONSTRAINT,
      `${subject} would outlive its signer '${sc.name}' (valid until ${formatTime(sc.notAfter)}): ask for at most ${maxDays} days`,
    );
  }
  if (!isUsablePublicKey(publicKey)) throw new SkeinError(ErrorCodes.CERT_MALFORMED, `${subject}: the public key is not a valid Ed25519 key`);
}

export function issueIntermediate(ca: Signer, req: IntermediateRequest): Certificate {
  validateSignerName(req.name);
  if (ca.certificate.role !== 'ca') {
    throw new SkeinError(ErrorCodes.CERT_CONSTRAINT, `only a cluster CA issues intermediate signers ('${ca.certificate.name}' is ${roleWords(ca.certificate.role)}; chains are at most CA → intermediate → node)`);
  }
  const times = validity(req);
  checkCanIssue(ca, `intermediate signer '${req.name}'`, req.publicKey, times, req.nowMs);
  const patterns = req.constraints?.namePatterns ?? null;
  const groups = req.constraints?.groups ?? null;
  if (patterns !== null && patterns.length === 0) throw new SkeinError(ErrorCodes.USAGE, 'a name constraint needs at least one pattern');
  const constraints: SignerConstraints = {
    namePatterns: patterns === null ? null : validateNamePatternList(patterns),
    groups: groups === null ? null : canonicalList(groups.map(validateGroupName)),
  };
  return signCertificate({
    role: 'intermediate',
    clusterId: ca.certificate.clusterId,
    name: req.name,
    publicKey: req.publicKey,
    ...times,
    issuerKeyId: ca.key.id,
    groups: [],
    constraints,
  }, ca.key.signing.secretKey);
}

export function issueNodeCertificate(signer: Signer, req: NodeRequest): Certificate {
  validateNodeName(req.name);
  const groups = canonicalList((req.groups ?? []).map(validateGroupName));
  const times = validity(req);
  checkCanIssue(signer, `node '${req.name}'`, req.publicKey, times, req.nowMs);
  if (signer.certificate.role === 'intermediate') checkSignerConstraints(signer.certificate, req.name, groups);
  return signCertificate({
    role: 'node',
    clusterId: signer.certificate.clusterId,
    name: req.name,
    publicKey: req.publicKey,
    ...times,
    issuerKeyId: signer.key.id,
    groups,
    constraints: null,
  }, signer.key.signing.secretKey);
}

export interface RevocationRequest {
  /** The CA's current list, superseded by the new one (null for the first). */
  previous: RevocationList | null;
  /** Key fingerprints (node ids) to add. */
  revoke: Uint8Array[];
  nowMs: number;
}

export function issueRevocationList(ca: Signer, req: RevocationRequest): RevocationList {
  const cert = ca.certificate;
  if (cert.role !== 'ca') {
    throw new SkeinError(ErrorCodes.CERT_CONSTRAINT, `revocation lists are signed by a cluster CA, and '${cert.name}' is ${roleWords(cert.role)}`);
  }
  if (!bytesEqual(cert.publicKey, ca.key.signing.publicKey)) {
    throw new SkeinError(ErrorCodes.CERT_CONSTRAINT, `the signing key (id ${ca.key.idText}) does not belong to the CA certificate '${cert.name}'`);
  }
  const prev = req.previous;
  if (prev !== null && !bytesEqual(prev.issuerKeyId, ca.key.id)) {
    throw new SkeinError(ErrorCodes.CERT_UNKNOWN_ISSUER, `the existing revocation list was signed by CA ${nodeIdToText(prev.issuerKeyId)}, not by this CA (${ca.key.idText})`);
  }
  const revoked = canonicalFingerprints([...(prev?.revoked ?? []), ...req.revoke]);
  if (revoked.length > MAX_REVOKED_KEYS) {
    throw new SkeinError(ErrorCodes.CERT_CONSTRAINT, `a revocation list holds at most ${MAX_REVOKED_KEYS} keys (this one would hold ${revoked.length})`);
  }
  return signRevocationList({
    clusterId: cert.clusterId,
    issuerKeyId: nodeIdFromPublicKey(cert.publicKey),
    sequence: (prev?.sequence ?? 0) + 1,
    issuedAt: Math.floor(req.nowMs / MS_PER_SECOND),
    revoked,
  }, ca.key.signing.secretKey);
}
