/**
 * mac1, as in WireGuard: the dialer proves it knows the listener's static
 * key before the listener does anything expensive. The listener checks one
 * keyed BLAKE2b over the initiation (no Diffie-Hellman, no certificate
 * sent); a stranger that does not know our key gets nothing, not even our
 * certificate.
 *
 *   key  = BLAKE2b-256(LINK_MAC1_LABEL || responder static X25519 public key)
 *   mac1 = BLAKE2b-128(key; prologue || Noise message 1)
 *
 * The prologue binds protocol version and cluster id. mac1 is not secret
 * and can be replayed (anyone who hears our advertisement knows our key):
 * it keeps off scanners that never heard us, and the listener's per-source
 * limits (accept-gate.ts) bound the rest. The key is computed once per
 * channel from public values; nothing here is a new primitive.
 */
import { blake2b, blake2bKeyed, constantTimeEqual } from '../crypto/primitives.js';
import { LINK_MAC1_BYTES, LINK_MAC1_LABEL } from '../wire/link-constants.js';

const MAC1_KEY_BYTES = 32;
const LABEL = new TextEncoder().encode(LINK_MAC1_LABEL);

export function mac1Key(responderStatic: Uint8Array): Uint8Array {
  return blake2b(MAC1_KEY_BYTES, LABEL, responderStatic);
}

export function computeMac1(key: Uint8Array, prologue: Uint8Array, noiseMessage: Uint8Array): Uint8Array {
  return blake2bKeyed(LINK_MAC1_BYTES, key, prologue, noiseMessage);
}

export function checkMac1(key: Uint8Array, prologue: Uint8Array, noiseMessage: Uint8Array, mac1: Uint8Array): boolean {
  return constantTimeEqual(computeMac1(key, prologue, noiseMessage), mac1);
}
