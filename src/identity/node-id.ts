/**
 * Node ids: how every layer names a node.
 *
 * id = BLAKE2b-128("skein node id v1" || Ed25519 public key), 16 bytes on the
 * wire, printed everywhere as 32 lowercase hex characters (the stable text
 * form). A revocation list names keys by the same value (the key
 * fingerprint), so a re-encoded certificate cannot escape a revocation.
 */
import { blake2b, ED25519_PUBLIC_KEY_BYTES } from '../crypto/primitives.js';
import { ErrorCodes, SkeinError } from '../util/errors.js';

export const NODE_ID_BYTES = 16;
const NODE_ID_DOMAIN = new TextEncoder().encode('skein node id v1');
const NODE_ID_TEXT = /^[0-9a-f]{32}$/;

/** The 16-byte node id (= key fingerprint) of an Ed25519 public key. */
export function nodeIdFromPublicKey(publicKey: Uint8Array): Uint8Array {
  if (publicKey.byteLength !== ED25519_PUBLIC_KEY_BYTES) {
    throw new RangeError(`public key must be ${ED25519_PUBLIC_KEY_BYTES} bytes`);
  }
  return blake2b(NODE_ID_BYTES, NODE_ID_DOMAIN, publicKey);
}

export function nodeIdToText(id: Uint8Array): string {
  if (id.byteLength !== NODE_ID_BYTES) throw new RangeError(`node id must be ${NODE_ID_BYTES} bytes`);
  return Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString('hex');
}

export function isNodeIdText(s: string): boolean {
  return NODE_ID_TEXT.test(s);
}

export function nodeIdFromText(s: string): Uint8Array {
  if (!isNodeIdText(s)) {
    throw new SkeinError(ErrorCodes.USAGE, `'${s}' is not a node id (expected 32 lowercase hex characters)`);
  }
  return new Uint8Array(Buffer.from(s, 'hex'));
}
