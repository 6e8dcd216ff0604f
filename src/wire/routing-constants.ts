/**
 * Sizes, versions and type numbers of the routing protocol (signed
 * link-state flooding between neighbours), in one place. Append only: a
 * released number never changes meaning.
 *
 * Every routing message travels inside a link PAYLOAD message and starts with
 * `version u8 || type u8`:
 *   UPDATE      signed link-state records (routing-update.ts)
 *   REVOCATION  one CA-signed revocation list (routing-revocation.ts)
 *   SUMMARY     one part of a database summary (routing-summary.ts)
 *   ACK         acknowledgements of the three above (routing-ack.ts)
 * The record itself (routing-record.ts) has its own version byte: it is a
 * signed object that outlives the message carrying it.
 */
import { NODE_ID_BYTES } from '../identity/node-id.js';
import { LINK_PAYLOAD_MAX_BYTES } from './link-constants.js';

/** The link PAYLOAD channel that carries routing messages (mesh packets use MESH_PACKET_CHANNEL, 2). */
export const ROUTING_CHANNEL = 1;

export const ROUTING_WIRE_VERSION = 1;
export const ROUTING_RECORD_VERSION = 1;
/** version byte + type byte */
export const ROUTING_MESSAGE_HEADER_BYTES = 2;

export const RoutingMessageType = {
  UPDATE: 1,
  REVOCATION: 2,
  SUMMARY: 3,
  ACK: 4,
} as const;
export type RoutingMessageTypeNumber = (typeof RoutingMessageType)[keyof typeof RoutingMessageType];

/** A routing message fills at most one link payload. */
export const MAX_ROUTING_MESSAGE_BYTES = LINK_PAYLOAD_MAX_BYTES;

export const ROUTING_ID_BYTES = NODE_ID_BYTES;
/** Key id of the CA that signed a revocation list (= its key fingerprint, like a node id). */
export const ROUTING_ISSUER_ID_BYTES = NODE_ID_BYTES;

/** Room for the largest certificate chain identity can encode (checked in the tests). */
export const MAX_RECORD_CHAIN_BYTES = 8192;
/** Neighbours one record may list: the daemon keeps fewer links than this. */
export const MAX_NEIGHBOURS_PER_RECORD = 64;
/** Link cost bounds; cost is in microseconds of smoothed RTT plus a per-hop base (routing/cost.ts). */
export const MIN_LINK_COST = 1;
export const MAX_LINK_COST = 100_000_000;
/** neighbour id + cost u32 */
export const NEIGHBOUR_ENTRY_BYTES = ROUTING_ID_BYTES + 4;
export const RECORD_SIGNATURE_BYTES = 64;
/** version + origin + sequence + issued-at + lifetime */
export const RECORD_FIXED_HEADER_BYTES = 1 + ROUTING_ID_BYTES + 8 + 8 + 4;
export const MAX_RECORD_BYTES =
  RECORD_FIXED_HEADER_BYTES + 2 + MAX_RECORD_CHAIN_BYTES + 1 + MAX_NEIGHBOURS_PER_RECORD * NEIGHBOUR_ENTRY_BYTES + RECORD_SIGNATURE_BYTES;
/** The signature covers this domain string followed by every record byte before the signature. */
export const RECORD_SIGNATURE_DOMAIN = new TextEncoder().encode('skein routing record v1\0');

/** Records in one UPDATE message (the byte bound is MAX_ROUTING_MESSAGE_BYTES). */
export const MAX_RECORDS_PER_UPDATE = 512;
/** One revocation list fills a REVOCATION message: header + issuer + sequence + u32 length prefix. */
export const MAX_REVOCATION_LIST_BYTES = MAX_ROUTING_MESSAGE_BYTES - ROUTING_MESSAGE_HEADER_BYTES - ROUTING_ISSUER_ID_BYTES - 8 - 4;

export const MAX_SUMMARY_RECORD_ENTRIES = 2048;
export const MAX_SUMMARY_REVOCATION_ENTRIES = 32;
/** Summary flag: this part carries the authoritative list of revocation lists held. */
export const SUMMARY_FLAG_REVOCATIONS = 0x01;
export const SUMMARY_FLAGS_KNOWN = SUMMARY_FLAG_REVOCATIONS;

export const MAX_ACK_RECORD_ENTRIES = 2048;
export const MAX_ACK_REVOCATION_ENTRIES = 32;
export const MAX_ACK_SUMMARY_ENTRIES = 32;
