/**
 * The cluster id: 40 bits fixed when the cluster's first CA is created
 * (BLAKE2b of that CA's public key, truncated) and copied into every later
 * CA, intermediate and node certificate. It is the RFC 4193 global id of the
 * cluster's IPv6 prefix fdXX:XXXX:XXXX::/48, so a CA rotation keeps every
 * node address.
 */
import { blake2b } from '../crypto/primitives.js';
import { toHex } from '../codec/codec.js';
import { CLUSTER_ID_BYTES, CLUSTER_ID_DOMAIN, PUBLIC_KEY_BYTES } from './constants.js';

/** BLAKE2b's smallest output; we truncate it to 40 bits. */
const HASH_BYTES = 16;
/** RFC 4193 locally assigned ULA: prefix fd00::/8. */
const ULA_FIRST_BYTE = 0xfd;

export function clusterIdFromCaKey(caPublicKey: Uint8Array): Uint8Array {
  if (caPublicKey.byteLength !== PUBLIC_KEY_BYTES) throw new RangeError(`CA public key must be ${PUBLIC_KEY_BYTES} bytes`);
  return blake2b(HASH_BYTES, CLUSTER_ID_DOMAIN, caPublicKey).slice(0, CLUSTER_ID_BYTES);
}

/** 10 lowercase hex characters: the one text form. */
export function clusterIdToText(id: Uint8Array): string {
  if (id.byteLength !== CLUSTER_ID_BYTES) throw new RangeError(`cluster id must be ${CLUSTER_ID_BYTES} bytes`);
  return toHex(id);
}

/** The cluster's /48 in the usual text form, e.g. "fd12:3456:789a::/48". */
export function clusterPrefixText(id: Uint8Array): string {
  const hex = `${ULA_FIRST_BYTE.toString(16)}${clusterIdToText(id)}`;
  const group = (i: number) => Number.parseInt(hex.slice(i, i + 4), 16).toString(16);
  return `${group(0)}:${group(4)}:${group(8)}::/48`;
}
