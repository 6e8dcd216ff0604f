/**
 * Key-derived node addresses inside the cluster's ULA prefix.
 *
 *   | fd (8 bits) | cluster id (40 bits) | first 80 bits of the node id |
 *   |<------- cluster prefix /48 ------->|<------ interface part ----->|
 *
 * The node id is BLAKE2b-128("skein node id v1" || Ed25519 key), so the
 * address is bound to the key with no allocation and no coordination, and
 * every layer that knows a node id (routing, sessions, the CLI) can compute
 * the address without the key. A person can also read the node id's first
 * 20 hex digits straight out of the address.
 *
 * Why 80 bits are enough (the tradeoff): impersonating an existing member's
 * address needs a key whose hash matches 80 given bits, about 2^80 hash +
 * key generations (infeasible), AND a CA signature on that key. Two keys
 * sharing an address (a birthday collision) cost about 2^40 work, which is
 * reachable, but only ever collides an attacker's keys with each other and
 * still needs the CA to certify both. The AddressBook makes such a
 * collision harmless and order-independent: an address held by two members
 * resolves to neither. A longer hash cannot help: the /48 leaves 80 bits.
 */
import { CLUSTER_ID_BYTES } from '../identity/constants.js';
import { clusterPrefixText } from '../identity/cluster-id.js';
import { NODE_ID_BYTES } from '../identity/node-id.js';
import { IPV6_ADDRESS_BYTES, IPV6_DESTINATION_OFFSET, IPV6_SOURCE_OFFSET, addressAt, isIpv6Packet } from './ipv6.js';
import { ipv6ToText } from '../util/ipv6-text.js';

/** RFC 4193 locally assigned ULA (fd00::/8), as in identity/cluster-id.ts. */
const ULA_FIRST_BYTE = 0xfd;
export const CLUSTER_PREFIX_BYTES = 1 + CLUSTER_ID_BYTES;
/** Bits of the node id an address carries. */
export const INTERFACE_PART_BYTES = IPV6_ADDRESS_BYTES - CLUSTER_PREFIX_BYTES;

export interface NodeAddress {
  bytes: Uint8Array;
  /** RFC 5952 text, e.g. "fd12:3456:789a:1b2c:3d4e:5f60:7182:93a4". */
  text: string;
}

/** The cluster's /48 as 6 bytes: fd || cluster id. */
export function clusterPrefixBytes(clusterId: Uint8Array): Uint8Array {
  if (clusterId.byteLength !== CLUSTER_ID_BYTES) throw new RangeError(`cluster id must be ${CLUSTER_ID_BYTES} bytes`);
  const prefix = new Uint8Array(CLUSTER_PREFIX_BYTES);
  prefix[0] = ULA_FIRST_BYTE;
  prefix.set(clusterId, 1);
  return prefix;
}

/** "fdXX:XXXX:XXXX::/48" (the identity layer's one text form). */
export function clusterPrefix(clusterId: Uint8Array): string {
  return clusterPrefixText(clusterId);
}

/** The node's address: the cluster prefix, then the first 80 bits of its 16-byte node id. */
export function addressOfNode(clusterId: Uint8Array, nodeId: Uint8Array): NodeAddress {
  if (nodeId.byteLength !== NODE_ID_BYTES) throw new RangeError(`node id must be ${NODE_ID_BYTES} bytes`);
  const bytes = new Uint8Array(IPV6_ADDRESS_BYTES);
  bytes.set(clusterPrefixBytes(clusterId), 0);
  bytes.set(nodeId.subarray(0, INTERFACE_PART_BYTES), CLUSTER_PREFIX_BYTES);
  return { bytes, text: ipv6ToText(bytes) };
}

/** True when the 16 bytes at `offset` lie inside the 6-byte `prefix`. */
export function isInClusterPrefix(prefix: Uint8Array, address: Uint8Array, offset = 0): boolean {
  if (prefix.byteLength !== CLUSTER_PREFIX_BYTES || address.byteLength < offset + IPV6_ADDRESS_BYTES) return false;
  for (let i = 0; i < CLUSTER_PREFIX_BYTES; i++) if (address[offset + i] !== prefix[i]) return false;
  return true;
}

/**
 * Anti-spoofing: a packet that came out of the session with node X must
 * carry X's address as its inner source. Malformed packets fail too.
 */
export function sourceMatchesPeer(packet: Uint8Array, peerAddress: Uint8Array): boolean {
  return isIpv6Packet(packet) && addressAt(packet, IPV6_SOURCE_OFFSET, peerAddress);
}

export type InboundAddressCheck = 'ok' | 'wrong-destination' | 'spoofed';

/**
 * The addresses of a packet that came out of the session with a member:
 * it must be for us, and from that member's own address. Only then does it
 * reach the firewall, which judges it by the member's proven identity.
 */
export function checkInboundAddresses(packet: Uint8Array, ownAddress: Uint8Array, senderAddress: Uint8Array): InboundAddressCheck {
  if (!addressAt(packet, IPV6_DESTINATION_OFFSET, ownAddress)) return 'wrong-destination';
  return sourceMatchesPeer(packet, senderAddress) ? 'ok' : 'spoofed';
}
