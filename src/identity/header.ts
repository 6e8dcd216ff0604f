/**
 * The two-byte header every identity object starts with: its type, then its
 * format version. A known type with an unknown version is its own error, so a
 * peer running a newer skein gets "unsupported version", not "malformed".
 */
import { verify } from '../crypto/primitives.js';
import { DecodeError } from '../util/errors.js';
import { Reader, type Writer } from '../codec/codec.js';
import { FORMAT_VERSION, HEADER_BYTES, type ObjectTypeByte } from './constants.js';

/** A DecodeError (so decoders still raise only DecodeError) that says the version is unknown. */
export class UnsupportedVersionError extends DecodeError {
  constructor(readonly what: string, readonly version: number) {
    super(`${what}: unsupported format version ${version} (this skein reads version ${FORMAT_VERSION})`);
    this.name = 'UnsupportedVersionError';
  }
}

export function writeHeader(w: Writer, type: ObjectTypeByte): void {
  w.u8(type, 'type').u8(FORMAT_VERSION, 'version');
}

export function readHeader(r: Reader, type: ObjectTypeByte, what: string): void {
  const got = r.u8('type');
  if (got !== type) {
    throw new DecodeError(`${what}: wrong object type 0x${hex2(got)} (expected 0x${hex2(type)})`);
  }
  const version = r.u8('version');
  if (version !== FORMAT_VERSION) throw new UnsupportedVersionError(what, version);
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

/** DOMAIN || body: the exact bytes a signature covers. */
export function withDomain(domain: Uint8Array, body: Uint8Array): Uint8Array {
  const msg = new Uint8Array(domain.byteLength + body.byteLength);
  msg.set(domain, 0);
  msg.set(body, domain.byteLength);
  return msg;
}

/**
 * Checks a signature over DOMAIN || encode(object). Used for objects held in
 * memory; the strict decoders guarantee that the canonical encoding is the
 * received one. An object that cannot be encoded does not verify.
 */
export function signatureOverEncoding<T>(obj: T, encode: (o: T) => Uint8Array, domain: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean {
  let body: Uint8Array;
  try {
    body = encode(obj);
  } catch {
    return false;
  }
  return verify(signature, withDomain(domain, body), publicKey);
}

/** A header followed by exactly `size` bytes (the key formats). */
export function decodeFixed(bytes: Uint8Array, type: ObjectTypeByte, size: number, what: string): Uint8Array {
  if (bytes.byteLength > HEADER_BYTES + size) throw new DecodeError(`${what}: too long (${bytes.byteLength} bytes)`);
  const r = new Reader(bytes, what);
  readHeader(r, type, what);
  const out = r.bytes(size, what);
  r.end();
  return out;
}
