/**
 * Revocation lists, signed by a cluster CA. They name revoked keys by key
 * fingerprint (node id), never by certificate bytes, so re-encoding or
 * re-issuing a certificate for a revoked key cannot escape the list. A list
 * with a higher sequence number from the same CA supersedes an older one.
 *
 * Layout: type | version | cluster id [5] | issuer key id [16] | sequence u64
 * | issued at u64 s | count u16 | fingerprints [16] ascending | signature [64]
 */
import { sign } from '../crypto/primitives.js';
import { DecodeError } from '../util/errors.js';
import { Reader, Writer } from '../codec/codec.js';
import {
  CLUSTER_ID_BYTES,
  CRL_MAX_BYTES,
  CRL_SIGNATURE_DOMAIN,
  KEY_ID_BYTES,
  MAX_REVOKED_KEYS,
  ObjectType,
  SIGNATURE_BYTES,
} from './constants.js';
import { readHeader, signatureOverEncoding, withDomain, writeHeader } from './header.js';

export interface RevocationListBody {
  clusterId: Uint8Array;
  issuerKeyId: Uint8Array;
  sequence: number;
  /** Whole seconds since the Unix epoch. */
  issuedAt: number;
  /** Revoked key fingerprints (node ids), strictly ascending. */
  revoked: Uint8Array[];
}

export interface RevocationList extends RevocationListBody {
  signature: Uint8Array;
}

export interface RevocationListParts {
  crl: RevocationList;
  signedBody: Uint8Array;
}

/** Lexicographic byte order; the order fingerprints are stored and searched in. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.byteLength, b.byteLength);
  for (let i = 0; i < n; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return a.byteLength - b.byteLength;
}

/** Sorted, de-duplicated copy of a fingerprint list. */
export function canonicalFingerprints(list: readonly Uint8Array[]): Uint8Array[] {
  const sorted = [...list].sort(compareBytes);
  return sorted.filter((fp, i) => i === 0 || compareBytes(sorted[i - 1] as Uint8Array, fp) !== 0);
}

/** Binary search in a canonical fingerprint list. */
export function listContains(list: readonly Uint8Array[], fingerprint: Uint8Array): boolean {
  let lo = 0;
  let hi = list.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const d = compareBytes(list[mid] as Uint8Array, fingerprint);
    if (d === 0) return true;
    if (d < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

export function encodeRevocationListBody(body: RevocationListBody): Uint8Array {
  const w = new Writer(CRL_MAX_BYTES - SIGNATURE_BYTES, 'revocation list');
  writeHeader(w, ObjectType.REVOCATION_LIST);
  w.bytes(body.clusterId, CLUSTER_ID_BYTES, 'cluster id');
  w.bytes(body.issuerKeyId, KEY_ID_BYTES, 'issuer key id');
  w.u64(body.sequence, 'sequence').u64(body.issuedAt, 'issued at');
  w.count16(body.revoked.length, MAX_REVOKED_KEYS, 'revoked keys');
  let prev: Uint8Array | undefined;
  for (const fp of body.revoked) {
    if (prev !== undefined && compareBytes(prev, fp) >= 0) throw new RangeError('revocation list: fingerprints must be ascending and unique');
    w.bytes(fp, KEY_ID_BYTES, 'fingerprint');
    prev = fp;
  }
  return w.finish();
}

export function encodeRevocationList(crl: RevocationList): Uint8Array {
  const body = encodeRevocationListBody(crl);
  return new Writer(CRL_MAX_BYTES, 'revocation list').bytes(body).bytes(crl.signature, SIGNATURE_BYTES, 'signature').finish();
}

export function decodeRevocationListParts(bytes: Uint8Array): RevocationListParts {
  if (bytes.byteLength > CRL_MAX_BYTES) throw new DecodeError(`revocation list: too long (${bytes.byteLength} > ${CRL_MAX_BYTES} bytes)`);
  const r = new Reader(bytes, 'revocation list');
  readHeader(r, ObjectType.REVOCATION_LIST, 'revocation list');
  const clusterId = r.bytes(CLUSTER_ID_BYTES, 'cluster id');
  const issuerKeyId = r.bytes(KEY_ID_BYTES, 'issuer key id');
  const sequence = r.u64('sequence');
  const issuedAt = r.u64('issued at');
  const n = r.count16(MAX_REVOKED_KEYS, 'revoked keys');
  const revoked: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const fp = r.bytes(KEY_ID_BYTES, 'fingerprint');
    const prev = revoked[revoked.length - 1];
    if (prev !== undefined && compareBytes(prev, fp) >= 0) throw new DecodeError('revocation list: fingerprints not ascending and unique');
    revoked.push(fp);
  }
  const signedLength = r.position;
  const signature = r.bytes(SIGNATURE_BYTES, 'signature');
  r.end();
  return { crl: { clusterId, issuerKeyId, sequence, issuedAt, revoked, signature }, signedBody: bytes.slice(0, signedLength) };
}

export function decodeRevocationList(bytes: Uint8Array): RevocationList {
  return decodeRevocationListParts(bytes).crl;
}

export function signRevocationList(body: RevocationListBody, caSecretKey: Uint8Array): RevocationList {
  const signature = sign(withDomain(CRL_SIGNATURE_DOMAIN, encodeRevocationListBody(body)), caSecretKey);
  return { ...body, signature };
}

/** Checks the signature over the list's canonical encoding (which the strict decoder guarantees equals the received bytes). */
export function revocationListSignatureValid(crl: RevocationList, caPublicKey: Uint8Array): boolean {
  return signatureOverEncoding(crl, encodeRevocationListBody, CRL_SIGNATURE_DOMAIN, crl.signature, caPublicKey);
}
