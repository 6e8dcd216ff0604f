/**
 * Every size, type byte, version and domain string of the identity formats,
 * in one place. Encodings are append-only: a new field means a new version.
 */
import { ED25519_PUBLIC_KEY_BYTES, ED25519_SEED_BYTES, ED25519_SIGNATURE_BYTES } from '../crypto/primitives.js';
import { NODE_ID_BYTES } from './node-id.js';

/** First byte of every binary identity object: what it is. */
export const ObjectType = {
  PUBLIC_KEY: 0x10,
  PRIVATE_KEY: 0x11,
  CERTIFICATE: 0x20,
  CHAIN: 0x21,
  REVOCATION_LIST: 0x30,
} as const;
export type ObjectTypeByte = (typeof ObjectType)[keyof typeof ObjectType];

/** Second byte: the format version this code writes and accepts. */
export const FORMAT_VERSION = 1;
/** type byte + version byte */
export const HEADER_BYTES = 2;

/** Role byte of a certificate. */
export const CertRole = {
  CA: 1,
  INTERMEDIATE: 2,
  NODE: 3,
} as const;

/** Key id = key fingerprint = node id of a public key (BLAKE2b-128). */
export const KEY_ID_BYTES = NODE_ID_BYTES;
export const PUBLIC_KEY_BYTES = ED25519_PUBLIC_KEY_BYTES;
export const SEED_BYTES = ED25519_SEED_BYTES;
export const SIGNATURE_BYTES = ED25519_SIGNATURE_BYTES;

/** 40-bit cluster id: the global id of the cluster's RFC 4193 ULA prefix. */
export const CLUSTER_ID_BYTES = 5;

/** DNS label limit (RFC 1035): node, cluster, group and signer names. */
export const MAX_NAME_BYTES = 63;
export const MAX_GROUPS = 16;
/**
 * An intermediate signer's name patterns: how many, and how long each. Every
 * verifier matches a node's name against all of them on every handshake and
 * routing record, so both are bounded (a pattern is a label with stars).
 */
export const MAX_NAME_PATTERNS = 16;
export const MAX_NAME_PATTERN_BYTES = MAX_NAME_BYTES;

/** Constraint flags of an intermediate signer certificate. */
export const ConstraintFlag = {
  NAMES: 0x01,
  GROUPS: 0x02,
} as const;
export const CONSTRAINT_FLAGS_KNOWN = ConstraintFlag.NAMES | ConstraintFlag.GROUPS;

/** Largest possible string list on the wire: count byte + (length byte + name) per entry. */
const MAX_NAME_LIST_BYTES = 1 + MAX_GROUPS * (1 + MAX_NAME_BYTES);
const MAX_PATTERN_LIST_BYTES = 1 + MAX_NAME_PATTERNS * (1 + MAX_NAME_PATTERN_BYTES);

/**
 * Certificate layout (all integers big-endian):
 *   type u8 | version u8 | role u8 | cluster id [5] | name str8 | public key [32]
 *   | notBefore u64 s | notAfter u64 s | issuer key id [16] | groups (count u8, str8...)
 *   | constraint flags u8 | [name patterns] | [allowed groups] | signature [64]
 */
export const CERT_MAX_BYTES =
  HEADER_BYTES + 1 + CLUSTER_ID_BYTES + 1 + MAX_NAME_BYTES + PUBLIC_KEY_BYTES + 8 + 8 + KEY_ID_BYTES
  + MAX_NAME_LIST_BYTES + 1 + MAX_PATTERN_LIST_BYTES + MAX_NAME_LIST_BYTES + SIGNATURE_BYTES;

/** CA → intermediate → node: a presented chain holds at most the node and its intermediate. */
export const MAX_CHAIN_CERTS = 2;
export const CHAIN_MAX_BYTES = HEADER_BYTES + 1 + MAX_CHAIN_CERTS * (2 + CERT_MAX_BYTES);

/** A revocation list names at most this many key fingerprints (64 KiB of ids). */
export const MAX_REVOKED_KEYS = 4096;
export const CRL_MAX_BYTES =
  HEADER_BYTES + CLUSTER_ID_BYTES + KEY_ID_BYTES + 8 + 8 + 2 + MAX_REVOKED_KEYS * KEY_ID_BYTES + SIGNATURE_BYTES;

export const PUBLIC_KEY_ENCODED_BYTES = HEADER_BYTES + PUBLIC_KEY_BYTES;
export const PRIVATE_KEY_ENCODED_BYTES = HEADER_BYTES + SEED_BYTES;

/**
 * Signatures cover DOMAIN || encoded body (which itself starts with the type
 * byte), so a signature made for one object type can never verify as another,
 * nor as a routing record or handshake payload signed with the same key.
 */
const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
export const CERT_SIGNATURE_DOMAIN = ascii('skein cert v1\0');
export const CRL_SIGNATURE_DOMAIN = ascii('skein crl v1\0');
export const CLUSTER_ID_DOMAIN = ascii('skein cluster id v1\0');

/** Certificates start this much before their issue time, to tolerate clock skew between nodes. */
export const NOT_BEFORE_BACKDATE_SECONDS = 5 * 60;
export const MS_PER_SECOND = 1000;
export const SECONDS_PER_DAY = 86_400;
/** Upper bound for any validity period asked for (100 years). */
export const MAX_VALIDITY_DAYS = 36_500;
export const DEFAULT_CA_DAYS = 3650;
export const DEFAULT_INTERMEDIATE_DAYS = 1095;
export const DEFAULT_NODE_DAYS = 365;
