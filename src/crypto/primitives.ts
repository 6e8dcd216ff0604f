/**
 * The cryptographic primitives Skein composes, behind one small module, from
 * libsodium (sodium-native) and, for the AEAD, OpenSSL when available
 * (aead.ts). Nothing here is invented: Ed25519 signatures, X25519 (derived
 * from the Ed25519 key by the standard birational map, so a node has one
 * secret and one certified public key), BLAKE2b hashing, and
 * ChaCha20-Poly1305 (IETF) AEAD.
 *
 * Pure: no I/O, no clock.
 */
import sodium from 'sodium-native';
import { chachaPolyOpen, chachaPolySeal } from './aead.js';
import { secureRandom } from '../util/random.js';

export const ED25519_PUBLIC_KEY_BYTES = 32;
export const ED25519_SEED_BYTES = 32;
export const ED25519_SECRET_KEY_BYTES = 64;
export const ED25519_SIGNATURE_BYTES = 64;
export const X25519_KEY_BYTES = 32;
export const AEAD_KEY_BYTES = 32;
export const AEAD_NONCE_BYTES = 12;
export const AEAD_TAG_BYTES = 16;

export interface SigningKeyPair {
  /** Ed25519 public key, 32 bytes. */
  publicKey: Uint8Array;
  /** libsodium Ed25519 secret key (seed || public key), 64 bytes. */
  secretKey: Uint8Array;
}

export interface DhKeyPair {
  publicKey: Uint8Array;
  secretKey: Uint8Array;
}

/** libsodium's CSPRNG (the same source as the injectable secureRandom). */
export function randomBytes(n: number): Uint8Array {
  return secureRandom.bytes(n);
}

export function signingKeyPairFromSeed(seed: Uint8Array): SigningKeyPair {
  if (seed.byteLength !== ED25519_SEED_BYTES) throw new RangeError(`Ed25519 seed must be ${ED25519_SEED_BYTES} bytes`);
  const publicKey = Buffer.alloc(ED25519_PUBLIC_KEY_BYTES);
  const secretKey = Buffer.alloc(ED25519_SECRET_KEY_BYTES);
  sodium.crypto_sign_seed_keypair(publicKey, secretKey, seed);
  return { publicKey, secretKey };
}

export function generateSigningKeyPair(): { seed: Uint8Array; keyPair: SigningKeyPair } {
  const seed = randomBytes(ED25519_SEED_BYTES);
  return { seed, keyPair: signingKeyPairFromSeed(seed) };
}

export function sign(message: Uint8Array, secretKey: Uint8Array): Uint8Array {
  const sig = Buffer.alloc(ED25519_SIGNATURE_BYTES);
  sodium.crypto_sign_detached(sig, message, secretKey);
  return sig;
}

/** Never throws: a malformed key or signature simply does not verify. */
export function verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.byteLength !== ED25519_SIGNATURE_BYTES || publicKey.byteLength !== ED25519_PUBLIC_KEY_BYTES) return false;
  try {
    return sodium.crypto_sign_verify_detached(signature, message, publicKey);
  } catch {
    return false;
  }
}

/** The X25519 public key that corresponds to an Ed25519 public key. Throws on an invalid point. */
export function x25519PublicFromEd25519(edPublicKey: Uint8Array): Uint8Array {
  const out = Buffer.alloc(X25519_KEY_BYTES);
  sodium.crypto_sign_ed25519_pk_to_curve25519(out, edPublicKey);
  return out;
}

/** The X25519 key pair that corresponds to an Ed25519 key pair. */
export function x25519KeyPairFromSigning(kp: SigningKeyPair): DhKeyPair {
  const secretKey = Buffer.alloc(X25519_KEY_BYTES);
  sodium.crypto_sign_ed25519_sk_to_curve25519(secretKey, kp.secretKey);
  return { publicKey: x25519PublicFromEd25519(kp.publicKey), secretKey };
}

/** BLAKE2b with the given output length (16..64 bytes), optionally keyed. */
export function blake2b(outLength: number, ...inputs: Uint8Array[]): Uint8Array {
  const out = Buffer.alloc(outLength);
  sodium.crypto_generichash_batch(out, inputs);
  return out;
}

export function aeadSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, ad: Uint8Array | null): Uint8Array {
  const out = Buffer.alloc(plaintext.byteLength + AEAD_TAG_BYTES);
  chachaPolySeal(out, plaintext, ad, nonce, key);
  return out;
}

/** Returns null when authentication fails (tampered, wrong key, wrong nonce or AD). */
export function aeadOpen(key: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array, ad: Uint8Array | null): Uint8Array | null {
  if (ciphertext.byteLength < AEAD_TAG_BYTES) return null;
  const out = Buffer.alloc(ciphertext.byteLength - AEAD_TAG_BYTES);
  return chachaPolyOpen(out, ciphertext, ad, nonce, key) ? out : null;
}

/** Constant-time comparison of equal-length secrets. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && sodium.sodium_memcmp(a, b);
}

export function wipe(buf: Uint8Array): void {
  sodium.sodium_memzero(buf);
}

/** Keyed BLAKE2b (a MAC; libsodium crypto_generichash with a 16..64-byte key), output 16..64 bytes. */
export function blake2bKeyed(outLength: number, key: Uint8Array, ...inputs: Uint8Array[]): Uint8Array {
  const out = Buffer.alloc(outLength);
  sodium.crypto_generichash_batch(out, inputs, key);
  return out;
}
