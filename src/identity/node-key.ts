/**
 * A node's long-term key: one Ed25519 seed. The X25519 key the Noise
 * handshakes use is derived from it (libsodium's Ed25519 → Curve25519 map),
 * so a certificate that binds the Ed25519 public key binds the X25519 key too,
 * and there is only one secret to store and protect.
 *
 * Key files hold the 32-byte seed; public key files the 32-byte Ed25519 key.
 */
import {
  type DhKeyPair,
  type SigningKeyPair,
  signingKeyPairFromSeed,
  x25519KeyPairFromSigning,
  x25519PublicFromEd25519,
} from '../crypto/primitives.js';
import { type Random, secureRandom } from '../util/random.js';
import { Writer } from '../codec/codec.js';
import {
  ObjectType,
  PRIVATE_KEY_ENCODED_BYTES,
  PUBLIC_KEY_BYTES,
  PUBLIC_KEY_ENCODED_BYTES,
  SEED_BYTES,
} from './constants.js';
import { decodeFixed, writeHeader } from './header.js';
import { nodeIdFromPublicKey, nodeIdToText } from './node-id.js';

export interface NodeKey {
  /** The one secret: 32-byte Ed25519 seed. */
  seed: Uint8Array;
  signing: SigningKeyPair;
  /** X25519 key pair derived from `signing`, for Noise. */
  dh: DhKeyPair;
  /** Node id = key fingerprint, 16 bytes. */
  id: Uint8Array;
  idText: string;
}

export function nodeKeyFromSeed(seed: Uint8Array): NodeKey {
  if (seed.byteLength !== SEED_BYTES) throw new RangeError(`node key seed must be ${SEED_BYTES} bytes`);
  const signing = signingKeyPairFromSeed(seed);
  const id = nodeIdFromPublicKey(signing.publicKey);
  return { seed: Uint8Array.from(seed), signing, dh: x25519KeyPairFromSigning(signing), id, idText: nodeIdToText(id) };
}

export function generateNodeKey(random: Random = secureRandom): NodeKey {
  return nodeKeyFromSeed(random.bytes(SEED_BYTES));
}

/**
 * True when the bytes are an Ed25519 point that maps to an X25519 key, i.e. a
 * key a node could actually hold. Certificates are only issued for such keys.
 */
export function isUsablePublicKey(publicKey: Uint8Array): boolean {
  if (publicKey.byteLength !== PUBLIC_KEY_BYTES) return false;
  try {
    x25519PublicFromEd25519(publicKey);
    return true;
  } catch {
    return false;
  }
}

export function encodePublicKey(publicKey: Uint8Array): Uint8Array {
  const w = new Writer(PUBLIC_KEY_ENCODED_BYTES, 'public key');
  writeHeader(w, ObjectType.PUBLIC_KEY);
  w.bytes(publicKey, PUBLIC_KEY_BYTES, 'public key');
  return w.finish();
}

export function decodePublicKey(bytes: Uint8Array): Uint8Array {
  return decodeFixed(bytes, ObjectType.PUBLIC_KEY, PUBLIC_KEY_BYTES, 'public key');
}

export function encodePrivateKey(key: NodeKey): Uint8Array {
  const w = new Writer(PRIVATE_KEY_ENCODED_BYTES, 'private key');
  writeHeader(w, ObjectType.PRIVATE_KEY);
  w.bytes(key.seed, SEED_BYTES, 'seed');
  return w.finish();
}

export function decodePrivateKey(bytes: Uint8Array): NodeKey {
  return nodeKeyFromSeed(decodeFixed(bytes, ObjectType.PRIVATE_KEY, SEED_BYTES, 'private key'));
}
