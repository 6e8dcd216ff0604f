/**
 * Certificates: one compact binary layout (see constants.ts) for the three
 * roles — cluster CA (self-signed), intermediate signer (signed by a CA,
 * optionally limited to name patterns and groups) and node (signed by either).
 *
 * The decoder is strict and canonical (sorted unique lists, valid names, no
 * unknown flags, no trailing bytes), so a decoded certificate re-encodes to
 * exactly the bytes it came from and the signature check can run over the
 * received bytes themselves.
 */
import { sign, verify } from '../crypto/primitives.js';
import { DecodeError, ErrorCodes, SkeinError } from '../util/errors.js';
import { Reader, Writer } from '../codec/codec.js';
import {
  CERT_MAX_BYTES,
  CERT_SIGNATURE_DOMAIN,
  CertRole,
  CLUSTER_ID_BYTES,
  CONSTRAINT_FLAGS_KNOWN,
  ConstraintFlag,
  KEY_ID_BYTES,
  MAX_GROUPS,
  MAX_NAME_BYTES,
  MAX_NAME_PATTERN_BYTES,
  MAX_NAME_PATTERNS,
  ObjectType,
  PUBLIC_KEY_BYTES,
  SIGNATURE_BYTES,
} from './constants.js';
import { readHeader, signatureOverEncoding, withDomain, writeHeader } from './header.js';
import { isValidLabel, isValidNamePattern } from './names.js';

export type CertificateRole = 'ca' | 'intermediate' | 'node';

/** What an intermediate signer may certify; null means "not limited". */
export interface SignerConstraints {
  namePatterns: string[] | null;
  groups: string[] | null;
}

export interface CertificateBody {
  role: CertificateRole;
  clusterId: Uint8Array;
  /** Cluster name for a CA, signer name for an intermediate, node name for a node. */
  name: string;
  /** Ed25519 public key of the subject. */
  publicKey: Uint8Array;
  /** Validity, whole seconds since the Unix epoch, inclusive. */
  notBefore: number;
  notAfter: number;
  /** Key id of the signing key (for a CA: its own). */
  issuerKeyId: Uint8Array;
  /** Node certificates only; sorted, unique. */
  groups: string[];
  /** Intermediate certificates only. */
  constraints: SignerConstraints | null;
}

export interface Certificate extends CertificateBody {
  signature: Uint8Array;
}

/** A decoded certificate plus the exact bytes its signature covers. */
export interface CertificateParts {
  cert: Certificate;
  signedBody: Uint8Array;
}

const ROLE_TO_BYTE: Record<CertificateRole, number> = { ca: CertRole.CA, intermediate: CertRole.INTERMEDIATE, node: CertRole.NODE };
const BYTE_TO_ROLE = new Map<number, CertificateRole>(Object.entries(ROLE_TO_BYTE).map(([k, v]) => [v, k as CertificateRole]));

const ROLE_WORDS: Record<CertificateRole, string> = { ca: 'a cluster CA', intermediate: 'an intermediate signer', node: 'a node' };

/** "a cluster CA", "an intermediate signer", "a node": for messages. */
export function roleWords(role: CertificateRole): string {
  return ROLE_WORDS[role];
}

/** Sorted and unique: the only accepted order, so one set has one encoding. */
export function isCanonicalList(list: readonly string[]): boolean {
  for (let i = 1; i < list.length; i++) if ((list[i - 1] ?? '') >= (list[i] ?? '')) return false;
  return true;
}

export function canonicalList(list: readonly string[]): string[] {
  return [...new Set(list)].sort();
}

/** A list's bounds: at most `max` entries of at most `maxBytes` bytes each. */
interface ListBounds { max: number; maxBytes: number }
const GROUP_LIST: ListBounds = { max: MAX_GROUPS, maxBytes: MAX_NAME_BYTES };
const PATTERN_LIST: ListBounds = { max: MAX_NAME_PATTERNS, maxBytes: MAX_NAME_PATTERN_BYTES };

function writeList(w: Writer, list: readonly string[], bounds: ListBounds, field: string): void {
  if (!isCanonicalList(list)) throw new SkeinError(ErrorCodes.ENCODE, `certificate: ${field} must be sorted and unique`);
  w.count8(list.length, bounds.max, field);
  for (const s of list) w.string8(s, bounds.maxBytes, field);
}

function readList(r: Reader, bounds: ListBounds, field: string, valid: (s: string) => boolean): string[] {
  const n = r.count8(bounds.max, field);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const s = r.string8(bounds.maxBytes, field);
    if (!valid(s)) throw new DecodeError(`certificate: invalid entry in ${field}`);
    out.push(s);
  }
  if (!isCanonicalList(out)) throw new DecodeError(`certificate: ${field} not sorted and unique`);
  return out;
}

export function encodeCertificateBody(body: CertificateBody): Uint8Array {
  const w = new Writer(CERT_MAX_BYTES - SIGNATURE_BYTES, 'certificate');
  writeHeader(w, ObjectType.CERTIFICATE);
  w.u8(ROLE_TO_BYTE[body.role], 'role');
  w.bytes(body.clusterId, CLUSTER_ID_BYTES, 'cluster id');
  w.string8(body.name, MAX_NAME_BYTES, 'name');
  w.bytes(body.publicKey, PUBLIC_KEY_BYTES, 'public key');
  w.u64(body.notBefore, 'notBefore').u64(body.notAfter, 'notAfter');
  w.bytes(body.issuerKeyId, KEY_ID_BYTES, 'issuer key id');
  writeList(w, body.groups, GROUP_LIST, 'groups');
  const c = body.constraints;
  const flags = c === null ? 0 : (c.namePatterns ? ConstraintFlag.NAMES : 0) | (c.groups ? ConstraintFlag.GROUPS : 0);
  w.u8(flags, 'constraint flags');
  if (c?.namePatterns) writeList(w, c.namePatterns, PATTERN_LIST, 'name patterns');
  if (c?.groups) writeList(w, c.groups, GROUP_LIST, 'allowed groups');
  return w.finish();
}

export function encodeCertificate(cert: Certificate): Uint8Array {
  const body = encodeCertificateBody(cert);
  const w = new Writer(CERT_MAX_BYTES, 'certificate');
  return w.bytes(body).bytes(cert.signature, SIGNATURE_BYTES, 'signature').finish();
}

export function decodeCertificateParts(bytes: Uint8Array): CertificateParts {
  if (bytes.byteLength > CERT_MAX_BYTES) throw new DecodeError(`certificate: too long (${bytes.byteLength} > ${CERT_MAX_BYTES} bytes)`);
  const r = new Reader(bytes, 'certificate');
  readHeader(r, ObjectType.CERTIFICATE, 'certificate');
  const roleByte = r.u8('role');
  const role = BYTE_TO_ROLE.get(roleByte);
  if (role === undefined) throw new DecodeError(`certificate: unknown role ${roleByte}`);
  const clusterId = r.bytes(CLUSTER_ID_BYTES, 'cluster id');
  const name = r.string8(MAX_NAME_BYTES, 'name');
  if (!isValidLabel(name)) throw new DecodeError('certificate: name is not a valid DNS label');
  const publicKey = r.bytes(PUBLIC_KEY_BYTES, 'public key');
  const notBefore = r.u64('notBefore');
  const notAfter = r.u64('notAfter');
  if (notAfter < notBefore) throw new DecodeError('certificate: notAfter is before notBefore');
  const issuerKeyId = r.bytes(KEY_ID_BYTES, 'issuer key id');
  const groups = readList(r, GROUP_LIST, 'groups', isValidLabel);
  if (role !== 'node' && groups.length > 0) throw new DecodeError(`certificate: ${roleWords(role)} certificate carries no groups`);
  const flags = r.u8('constraint flags');
  if ((flags & ~CONSTRAINT_FLAGS_KNOWN) !== 0) throw new DecodeError(`certificate: unknown constraint flags 0x${flags.toString(16)}`);
  if (role !== 'intermediate' && flags !== 0) throw new DecodeError(`certificate: ${roleWords(role)} certificate carries no constraints`);
  let constraints: SignerConstraints | null = null;
  if (role === 'intermediate') {
    const namePatterns = flags & ConstraintFlag.NAMES ? readList(r, PATTERN_LIST, 'name patterns', isValidNamePattern) : null;
    if (namePatterns !== null && namePatterns.length === 0) throw new DecodeError('certificate: empty name pattern list');
    const allowed = flags & ConstraintFlag.GROUPS ? readList(r, GROUP_LIST, 'allowed groups', isValidLabel) : null;
    constraints = { namePatterns, groups: allowed };
  }
  const signedLength = r.position;
  const signature = r.bytes(SIGNATURE_BYTES, 'signature');
  r.end();
  const cert: Certificate = { role, clusterId, name, publicKey, notBefore, notAfter, issuerKeyId, groups, constraints, signature };
  return { cert, signedBody: bytes.slice(0, signedLength) };
}

export function decodeCertificate(bytes: Uint8Array): Certificate {
  return decodeCertificateParts(bytes).cert;
}

const signedMessage = (body: Uint8Array): Uint8Array => withDomain(CERT_SIGNATURE_DOMAIN, body);

/** Encode the body and sign it with the issuer's Ed25519 secret key. */
export function signCertificate(body: CertificateBody, issuerSecretKey: Uint8Array): Certificate {
  const signature = sign(signedMessage(encodeCertificateBody(body)), issuerSecretKey);
  return { ...body, signature };
}

export function certificateSignatureValid(parts: CertificateParts, issuerPublicKey: Uint8Array): boolean {
  return verify(parts.cert.signature, signedMessage(parts.signedBody), issuerPublicKey);
}

/** Signature check for a certificate held as an object (the canonical encoding is the received encoding). */
export function certificateSignedBy(cert: Certificate, issuerPublicKey: Uint8Array): boolean {
  return signatureOverEncoding(cert, encodeCertificateBody, CERT_SIGNATURE_DOMAIN, cert.signature, issuerPublicKey);
}
