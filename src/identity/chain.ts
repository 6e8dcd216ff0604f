/**
 * A presented certificate chain, as a node sends it in its handshake: the
 * node certificate first, then (when an intermediate signed it) the
 * intermediate certificate — enough for a peer holding only the CA
 * certificates to verify it. Layout: type | version | count u8 (1..2) |
 * per certificate: length u16 + certificate bytes.
 */
import { DecodeError } from '../util/errors.js';
import { Reader, Writer } from '../codec/codec.js';
import { type Certificate, type CertificateParts, decodeCertificateParts, encodeCertificate } from './certificate.js';
import { CERT_MAX_BYTES, CHAIN_MAX_BYTES, MAX_CHAIN_CERTS, ObjectType } from './constants.js';
import { readHeader, writeHeader } from './header.js';

export function encodeChain(certs: readonly Certificate[]): Uint8Array {
  return encodeChainOfEncoded(certs.map(encodeCertificate));
}

/**
 * Wrap already-encoded certificates without decoding them, so that a file
 * holding a certificate of an unknown version reaches verification and gets
 * its proper error code there.
 */
export function encodeChainOfEncoded(certs: readonly Uint8Array[]): Uint8Array {
  if (certs.length === 0) throw new RangeError('a certificate chain holds at least one certificate');
  const w = new Writer(CHAIN_MAX_BYTES, 'certificate chain');
  writeHeader(w, ObjectType.CHAIN);
  w.count8(certs.length, MAX_CHAIN_CERTS, 'certificates');
  for (const cert of certs) w.bytes16(cert, CERT_MAX_BYTES, 'certificate');
  return w.finish();
}

export function decodeChainParts(bytes: Uint8Array): CertificateParts[] {
  if (bytes.byteLength > CHAIN_MAX_BYTES) throw new DecodeError(`certificate chain: too long (${bytes.byteLength} > ${CHAIN_MAX_BYTES} bytes)`);
  const r = new Reader(bytes, 'certificate chain');
  readHeader(r, ObjectType.CHAIN, 'certificate chain');
  const n = r.count8(MAX_CHAIN_CERTS, 'certificates');
  if (n === 0) throw new DecodeError('certificate chain: empty');
  const parts: CertificateParts[] = [];
  for (let i = 0; i < n; i++) parts.push(decodeCertificateParts(r.bytes16(CERT_MAX_BYTES, 'certificate')));
  r.end();
  return parts;
}

export function decodeChain(bytes: Uint8Array): Certificate[] {
  return decodeChainParts(bytes).map((p) => p.cert);
}
