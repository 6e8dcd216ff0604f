/**
 * X25519 key pairs from the secret keys that published Noise test vectors
 * give in hex. Skein itself derives its X25519 keys from Ed25519 seeds
 * (src/crypto/primitives.ts), so only the vector tests need this.
 */
import sodium from 'sodium-native';
import { fromHex } from '../../src/codec/codec.js';

const X25519_PUBLIC_KEY_BYTES = 32;

export function vectorKeyPair(secretHex: string): { publicKey: Buffer; secretKey: Buffer } {
  const secretKey = Buffer.from(fromHex(secretHex));
  const publicKey = Buffer.alloc(X25519_PUBLIC_KEY_BYTES);
  sodium.crypto_scalarmult_base(publicKey, secretKey);
  return { publicKey, secretKey };
}
