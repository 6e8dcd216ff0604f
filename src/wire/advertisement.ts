/**
 * The discovery advertisement: one UDP datagram a node multicasts on every
 * allowed interface every few seconds (DESIGN.md step 2).
 *
 * Layout (big-endian), ADVERTISEMENT_MAX_BYTES at most:
 *   magic "SKAD" [4] | version u8 | public key [32] | cluster id [5]
 *   | name str8 (DNS label, <= 63) | TCP port u16 | timestamp u64 ms
 *   | instance [8] | counter u64 | signature [64]
 *
 * The signature is Ed25519 by the advertised key over
 * ADVERTISEMENT_SIGNATURE_DOMAIN || everything before the signature, so it
 * can never be confused with any other object signed by the same key.
 *
 * The node id is not on the wire: it is derived from the public key
 * (nodeIdFromPublicKey), so an id can never be claimed apart from its key.
 * `instance` is random per boot and `counter` grows with every advertisement
 * sent in that boot: together with the timestamp they let a receiver refuse
 * replays (src/discovery/receive-policy.ts).
 *
 * A verified advertisement is only a hint to dial: it carries no certificate.
 * The link handshake proves the key and checks the certificate.
 *
 * Pure: no I/O, no clock.
 */
import { ED25519_PUBLIC_KEY_BYTES, ED25519_SIGNATURE_BYTES, sign, verify } from '../crypto/primitives.js';
import { DecodeError, ErrorCodes, SkeinError } from '../util/errors.js';
import { CLUSTER_ID_BYTES, MAX_NAME_BYTES } from '../identity/constants.js';
import { isValidLabel } from '../identity/names.js';
import { withDomain } from '../identity/header.js';
import { bytesEqual, Reader, Writer } from '../codec/codec.js';

export const ADVERTISEMENT_MAGIC = new Uint8Array([0x53, 0x4b, 0x41, 0x44]); // "SKAD"
export const ADVERTISEMENT_VERSION = 1;
/** 40-bit cluster id (the global id of the cluster's ULA prefix), as in certificates. */
export const ADVERTISEMENT_CLUSTER_ID_BYTES = CLUSTER_ID_BYTES;
/** The node name is the certificate's: one lowercase DNS label (identity/names.ts). */
export const ADVERTISEMENT_MAX_NAME_BYTES = MAX_NAME_BYTES;
export const ADVERTISEMENT_INSTANCE_BYTES = 8;
export const ADVERTISEMENT_SIGNATURE_DOMAIN = new TextEncoder().encode('skein advert v1');

const FIXED_BODY_BYTES =
  ADVERTISEMENT_MAGIC.byteLength + 1 + ED25519_PUBLIC_KEY_BYTES + ADVERTISEMENT_CLUSTER_ID_BYTES
  + 1 + 2 + 8 + ADVERTISEMENT_INSTANCE_BYTES + 8;
export const ADVERTISEMENT_MIN_BYTES = FIXED_BODY_BYTES + 1 + ED25519_SIGNATURE_BYTES;
export const ADVERTISEMENT_MAX_BYTES = FIXED_BODY_BYTES + ADVERTISEMENT_MAX_NAME_BYTES + ED25519_SIGNATURE_BYTES;

const WHAT = 'advertisement';

export interface AdvertisementBody {
  /** Ed25519 public key of the advertising node (its identity). */
  publicKey: Uint8Array;
  clusterId: Uint8Array;
  name: string;
  /** TCP port the node accepts links on. */
  port: number;
  /** Sender's wall clock, ms since the epoch. */
  timestampMs: number;
  /** Random per boot. */
  instance: Uint8Array;
  /** Grows with every advertisement sent in this boot (instance). */
  counter: number;
}

export interface DecodedAdvertisement extends AdvertisementBody {
  version: number;
  signature: Uint8Array;
  /** The exact bytes the signature covers (without the domain prefix). */
  signedBody: Uint8Array;
}

function checkName(name: string, fail: (msg: string) => Error): void {
  if (!isValidLabel(name)) throw fail(`name is not a DNS label (1-63 of a-z 0-9 '-')`);
}

function writeBody(w: Writer, a: AdvertisementBody): void {
  w.bytes(ADVERTISEMENT_MAGIC)
    .u8(ADVERTISEMENT_VERSION, 'version')
    .bytes(a.publicKey, ED25519_PUBLIC_KEY_BYTES, 'public key')
    .bytes(a.clusterId, ADVERTISEMENT_CLUSTER_ID_BYTES, 'cluster id')
    .string8(a.name, ADVERTISEMENT_MAX_NAME_BYTES, 'name')
    .u16(a.port, 'port')
    .u64(a.timestampMs, 'timestamp')
    .bytes(a.instance, ADVERTISEMENT_INSTANCE_BYTES, 'instance')
    .u64(a.counter, 'counter');
}

function signedMessage(body: Uint8Array): Uint8Array {
  return withDomain(ADVERTISEMENT_SIGNATURE_DOMAIN, body);
}

/** Encode and sign. `secretKey` is the libsodium Ed25519 secret key matching `a.publicKey`. */
export function encodeAdvertisement(a: AdvertisementBody, secretKey: Uint8Array): Uint8Array {
  checkName(a.name, (m) => new SkeinError(ErrorCodes.ENCODE, `${WHAT}: ${m}`));
  if (a.port === 0) throw new SkeinError(ErrorCodes.ENCODE, `${WHAT}: port must be 1-65535`);
  const body = new Writer(ADVERTISEMENT_MAX_BYTES - ED25519_SIGNATURE_BYTES, WHAT);
  writeBody(body, a);
  const bodyBytes = body.finish();
  const signature = sign(signedMessage(bodyBytes), secretKey);
  return new Writer(ADVERTISEMENT_MAX_BYTES, WHAT).bytes(bodyBytes).bytes(signature).finish();
}

/**
 * Structural decode only (bounded, throws only DecodeError). The signature is
 * NOT checked here: call verifyAdvertisement.
 */
export function decodeAdvertisement(bytes: Uint8Array): DecodedAdvertisement {
  if (bytes.byteLength > ADVERTISEMENT_MAX_BYTES) {
    throw new DecodeError(`${WHAT}: ${bytes.byteLength} bytes exceeds maximum ${ADVERTISEMENT_MAX_BYTES}`);
  }
  const r = new Reader(bytes, WHAT);
  if (!bytesEqual(r.bytes(ADVERTISEMENT_MAGIC.byteLength, 'magic'), ADVERTISEMENT_MAGIC)) {
    throw new DecodeError(`${WHAT}: bad magic`);
  }
  const version = r.u8('version');
  if (version !== ADVERTISEMENT_VERSION) throw new DecodeError(`${WHAT}: unsupported version ${version}`);
  const publicKey = r.bytes(ED25519_PUBLIC_KEY_BYTES, 'public key');
  const clusterId = r.bytes(ADVERTISEMENT_CLUSTER_ID_BYTES, 'cluster id');
  const name = r.string8(ADVERTISEMENT_MAX_NAME_BYTES, 'name');
  checkName(name, (m) => new DecodeError(`${WHAT}: ${m}`));
  const port = r.u16('port');
  if (port === 0) throw new DecodeError(`${WHAT}: port 0`);
  const timestampMs = r.u64('timestamp');
  const instance = r.bytes(ADVERTISEMENT_INSTANCE_BYTES, 'instance');
  const counter = r.u64('counter');
  const bodyLength = r.position;
  const signature = r.bytes(ED25519_SIGNATURE_BYTES, 'signature');
  r.end();
  const signedBody = bytes.slice(0, bodyLength);
  return { version, publicKey, clusterId, name, port, timestampMs, instance, counter, signature, signedBody };
}

/** True when the signature is the advertised key's, over the domain-separated body. Never throws. */
export function verifyAdvertisement(a: DecodedAdvertisement): boolean {
  return verify(a.signature, signedMessage(a.signedBody), a.publicKey);
}
