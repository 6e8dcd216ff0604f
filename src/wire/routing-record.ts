/**
 * The signed link-state record: what one node says about its own links.
 *
 * Layout (big-endian), MAX_RECORD_BYTES at most:
 *   version u8 | origin [16] | sequence u64 | issued at u64 ms | lifetime u32 ms
 *   | certificate chain bytes16 (<= MAX_RECORD_CHAIN_BYTES)
 *   | neighbour count u8 (<= 64), each: id [16] | cost u32, ids strictly ascending
 *   | signature [64]
 *
 * The origin signs RECORD_SIGNATURE_DOMAIN || every byte before the
 * signature with its certified Ed25519 key. The chain travels inside every
 * record so each copy verifies on its own, before it is stored or forwarded
 * (no round trip to fetch a certificate, no unverifiable record in flight);
 * receivers cache chain verification by chain hash, so the chain costs
 * bytes, not CPU.
 *
 * Decoders are strict (known version, exact lengths, canonical neighbour
 * order, no self-link, no trailing bytes) and throw only DecodeError.
 * Policy (lifetime bounds, expiry, trust) is the router's, not the codec's.
 */
import { sign } from '../crypto/primitives.js';
import { withDomain } from '../identity/header.js';
import { DecodeError } from '../util/errors.js';
import { Writer } from '../codec/codec.js';
import { MAX_SAFE_HIGH_WORD } from './routing-header.js';
import {
  MAX_LINK_COST,
  MAX_NEIGHBOURS_PER_RECORD,
  MAX_RECORD_BYTES,
  MAX_RECORD_CHAIN_BYTES,
  MIN_LINK_COST,
  NEIGHBOUR_ENTRY_BYTES,
  RECORD_FIXED_HEADER_BYTES,
  RECORD_SIGNATURE_BYTES,
  RECORD_SIGNATURE_DOMAIN,
  ROUTING_ID_BYTES,
  ROUTING_RECORD_VERSION,
} from './routing-constants.js';

const WHAT = 'routing record';

export interface RecordNeighbour {
  /** Node id, 32 lowercase hex characters. */
  id: string;
  cost: number;
}

export interface RecordBody {
  /** Node id of the originator, 32 lowercase hex characters. */
  origin: string;
  sequence: number;
  /** Origin's wall clock when it signed, ms since the epoch. */
  issuedAtMs: number;
  lifetimeMs: number;
  /** The origin's encoded certificate chain (identity/chain.ts). */
  chain: Uint8Array;
  /** Strictly ascending by id, never the origin itself. */
  neighbours: RecordNeighbour[];
}

export interface DecodedRecord extends RecordBody {
  signature: Uint8Array;
  /** The bytes the signature covers (without the domain prefix). */
  signedBody: Uint8Array;
  /** The whole encoded record: the input itself, not a copy (copy it to keep it). */
  bytes: Uint8Array;
}

function idBytes(id: string, field: string): Uint8Array {
  if (!/^[0-9a-f]{32}$/.test(id)) throw new RangeError(`${WHAT}: ${field} must be 32 lowercase hex characters`);
  return Buffer.from(id, 'hex');
}

export function encodeRecordBody(body: RecordBody): Uint8Array {
  const w = new Writer(MAX_RECORD_BYTES - RECORD_SIGNATURE_BYTES, WHAT);
  w.u8(ROUTING_RECORD_VERSION, 'version')
    .bytes(idBytes(body.origin, 'origin'), ROUTING_ID_BYTES, 'origin')
    .u64(body.sequence, 'sequence')
    .u64(body.issuedAtMs, 'issued at')
    .u32(body.lifetimeMs, 'lifetime')
    .bytes16(body.chain, MAX_RECORD_CHAIN_BYTES, 'chain')
    .count8(body.neighbours.length, MAX_NEIGHBOURS_PER_RECORD, 'neighbours');
  let prev = '';
  for (const n of body.neighbours) {
    if (n.id <= prev || n.id === body.origin) throw new RangeError(`${WHAT}: neighbours must be ascending, unique and not the origin`);
    if (!Number.isInteger(n.cost) || n.cost < MIN_LINK_COST || n.cost > MAX_LINK_COST) throw new RangeError(`${WHAT}: cost ${n.cost} out of range`);
    w.bytes(idBytes(n.id, 'neighbour'), ROUTING_ID_BYTES, 'neighbour').u32(n.cost, 'cost');
    prev = n.id;
  }
  return w.finish();
}

/** Encodes and signs with the origin's Ed25519 secret key (domain-separated). */
export function signRecord(body: RecordBody, secretKey: Uint8Array): Uint8Array {
  const signed = encodeRecordBody(body);
  const signature = sign(recordSignatureMessage(signed), secretKey);
  return new Writer(MAX_RECORD_BYTES, WHAT).bytes(signed).bytes(signature, RECORD_SIGNATURE_BYTES, 'signature').finish();
}

/** What the signature is computed over. */
export function recordSignatureMessage(signedBody: Uint8Array): Uint8Array {
  return withDomain(RECORD_SIGNATURE_DOMAIN, signedBody);
}

/**
 * Origin, sequence and issue time without decoding the rest: how duplicates
 * (the common case in a flood) are recognised cheaply. Checks only the
 * version and length.
 */
export function peekRecordKey(bytes: Uint8Array): { origin: string; sequence: number; issuedAtMs: number } {
  if (bytes.byteLength < RECORD_FIXED_HEADER_BYTES || bytes.byteLength > MAX_RECORD_BYTES) {
    throw new DecodeError(`${WHAT}: ${bytes.byteLength} bytes is not a possible record size`);
  }
  if (bytes[0] !== ROUTING_RECORD_VERSION) throw new DecodeError(`${WHAT}: unsupported version`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, RECORD_FIXED_HEADER_BYTES);
  const origin = Buffer.from(bytes.buffer, bytes.byteOffset + 1, ROUTING_ID_BYTES).toString('hex');
  return { origin, sequence: safeU64(view, 1 + ROUTING_ID_BYTES, 'sequence'), issuedAtMs: safeU64(view, 1 + ROUTING_ID_BYTES + 8, 'issued at') };
}

function safeU64(view: DataView, at: number, field: string): number {
  const hi = view.getUint32(at);
  if (hi > MAX_SAFE_HIGH_WORD) throw new DecodeError(`${WHAT}: ${field} out of range`);
  return hi * 0x1_0000_0000 + view.getUint32(at + 4);
}

/**
 * Decodes without copying: every byte field (chain, signature, signed body)
 * is a view into `bytes`. The router copies the record when it stores it.
 * Hand-rolled over a Buffer view rather than the Reader kit because this is
 * the hottest decoder of a flood; the checks are the kit's: every length
 * before use, a bound on every count, no trailing bytes.
 */
export function decodeRecord(bytes: Uint8Array): DecodedRecord {
  const len = bytes.byteLength;
  if (len > MAX_RECORD_BYTES) throw new DecodeError(`${WHAT}: too long (${len} > ${MAX_RECORD_BYTES} bytes)`);
  const { origin, sequence, issuedAtMs } = peekRecordKey(bytes);
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, len);
  const need = (at: number, n: number, field: string): void => {
    if (at + n > len) throw new DecodeError(`${WHAT}: truncated at ${field}`);
  };
  let at = RECORD_FIXED_HEADER_BYTES - 4;
  const lifetimeMs = b.readUInt32BE(at);
  if (lifetimeMs === 0) throw new DecodeError(`${WHAT}: zero lifetime`);
  at += 4;
  need(at, 2, 'chain length');
  const chainLength = b.readUInt16BE(at);
  if (chainLength > MAX_RECORD_CHAIN_BYTES) throw new DecodeError(`${WHAT}: chain too long (${chainLength} > ${MAX_RECORD_CHAIN_BYTES})`);
  at += 2;
  need(at, chainLength, 'chain');
  const chain = bytes.subarray(at, at + chainLength);
  at += chainLength;
  need(at, 1, 'neighbour count');
  const count = b.readUInt8(at);
  if (count > MAX_NEIGHBOURS_PER_RECORD) throw new DecodeError(`${WHAT}: too many neighbours (${count} > ${MAX_NEIGHBOURS_PER_RECORD})`);
  at += 1;
  need(at, count * NEIGHBOUR_ENTRY_BYTES, 'neighbours');
  const neighbours: RecordNeighbour[] = [];
  let prev = '';
  for (let i = 0; i < count; i++, at += NEIGHBOUR_ENTRY_BYTES) {
    const id = b.toString('hex', at, at + ROUTING_ID_BYTES);
    const cost = b.readUInt32BE(at + ROUTING_ID_BYTES);
    if (id <= prev) throw new DecodeError(`${WHAT}: neighbours not strictly ascending`);
    if (id === origin) throw new DecodeError(`${WHAT}: origin lists itself as a neighbour`);
    if (cost < MIN_LINK_COST || cost > MAX_LINK_COST) throw new DecodeError(`${WHAT}: link cost ${cost} out of range`);
    neighbours.push({ id, cost });
    prev = id;
  }
  const signedLength = at;
  need(at, RECORD_SIGNATURE_BYTES, 'signature');
  const signature = bytes.subarray(at, at + RECORD_SIGNATURE_BYTES);
  at += RECORD_SIGNATURE_BYTES;
  if (at !== len) throw new DecodeError(`${WHAT}: ${len - at} trailing bytes`);
  return { origin, sequence, issuedAtMs, lifetimeMs, chain, neighbours, signature, signedBody: bytes.subarray(0, signedLength), bytes };
}
