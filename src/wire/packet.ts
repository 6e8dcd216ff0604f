/**
 * The mesh packet header (layout in packet-constants.ts): parse, write,
 * and the few in-place operations relays need.
 *
 * Hot path: a relay calls `readHeader` (no copy; one small result object),
 * `isDestination` (byte compare), `destinationIdText` (the route key) and
 * `decrementHopLimit` (in place). Nothing here copies a body.
 *
 * `readHeader` throws only DecodeError.
 */
import { DecodeError, ErrorCodes, SkeinError } from '../util/errors.js';
import { NODE_ID_BYTES } from '../identity/node-id.js';
import {
  BODY_BOUNDS,
  MAX_HOP_LIMIT,
  MAX_PACKET_BYTES,
  MESH_PACKET_VERSION,
  PACKET_DESTINATION_OFFSET,
  PACKET_FLAGS_OFFSET,
  PACKET_HEADER_BYTES,
  PACKET_HOP_LIMIT_OFFSET,
  PACKET_SOURCE_OFFSET,
  PACKET_TYPE_OFFSET,
  PACKET_VERSION_OFFSET,
  type PacketTypeNumber,
  SESSION_INDEX_BYTES,
  SESSION_COUNTER_BYTES,
} from './packet-constants.js';

export interface PacketHeader {
  type: PacketTypeNumber;
  hopLimit: number;
  /** Always PACKET_HEADER_BYTES; named so callers never hard-code it. */
  bodyOffset: number;
  bodyLength: number;
}

export interface PacketFields {
  type: PacketTypeNumber;
  hopLimit: number;
  source: Uint8Array;
  destination: Uint8Array;
}

function isPacketType(t: number): t is PacketTypeNumber {
  return Object.prototype.hasOwnProperty.call(BODY_BOUNDS, t);
}

/** Validate the fixed header and the body length for its type. */
export function readHeader(buf: Uint8Array): PacketHeader {
  const length = buf.byteLength;
  if (length < PACKET_HEADER_BYTES) throw new DecodeError(`mesh packet: ${length} bytes is shorter than the ${PACKET_HEADER_BYTES}-byte header`);
  if (length > MAX_PACKET_BYTES) throw new DecodeError(`mesh packet: ${length} bytes exceeds maximum ${MAX_PACKET_BYTES}`);
  const version = buf[PACKET_VERSION_OFFSET]!;
  if (version !== MESH_PACKET_VERSION) throw new DecodeError(`mesh packet: unsupported version ${version}`);
  const type = buf[PACKET_TYPE_OFFSET]!;
  if (!isPacketType(type)) throw new DecodeError(`mesh packet: unknown type ${type}`);
  const flags = buf[PACKET_FLAGS_OFFSET]!;
  if (flags !== 0) throw new DecodeError(`mesh packet: reserved flags 0x${flags.toString(16)} set`);
  const bodyLength = length - PACKET_HEADER_BYTES;
  const [min, max] = BODY_BOUNDS[type];
  if (bodyLength < min || bodyLength > max) {
    throw new DecodeError(`mesh packet: type ${type} body is ${bodyLength} bytes, outside ${min}..${max}`);
  }
  return { type, hopLimit: buf[PACKET_HOP_LIMIT_OFFSET]!, bodyOffset: PACKET_HEADER_BYTES, bodyLength };
}

/** Write the header into the first PACKET_HEADER_BYTES of `out` (which holds the whole packet). */
export function writeHeader(out: Uint8Array, fields: PacketFields): void {
  if (out.byteLength < PACKET_HEADER_BYTES || out.byteLength > MAX_PACKET_BYTES) {
    throw new SkeinError(ErrorCodes.ENCODE, `mesh packet: ${out.byteLength} bytes outside ${PACKET_HEADER_BYTES}..${MAX_PACKET_BYTES}`);
  }
  if (!Number.isInteger(fields.hopLimit) || fields.hopLimit < 0 || fields.hopLimit > MAX_HOP_LIMIT) {
    throw new SkeinError(ErrorCodes.ENCODE, `mesh packet: hop limit ${fields.hopLimit} out of range 0..${MAX_HOP_LIMIT}`);
  }
  if (fields.source.byteLength !== NODE_ID_BYTES || fields.destination.byteLength !== NODE_ID_BYTES) {
    throw new SkeinError(ErrorCodes.ENCODE, `mesh packet: source and destination must be ${NODE_ID_BYTES}-byte node ids`);
  }
  out[PACKET_VERSION_OFFSET] = MESH_PACKET_VERSION;
  out[PACKET_TYPE_OFFSET] = fields.type;
  out[PACKET_FLAGS_OFFSET] = 0;
  out.set(fields.source, PACKET_SOURCE_OFFSET);
  out.set(fields.destination, PACKET_DESTINATION_OFFSET);
  out[PACKET_HOP_LIMIT_OFFSET] = fields.hopLimit;
}

/** A whole packet: one allocation, one body copy. */
export function encodePacket(fields: PacketFields, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(PACKET_HEADER_BYTES + body.byteLength);
  writeHeader(out, fields);
  out.set(body, PACKET_HEADER_BYTES);
  return out;
}

/**
 * Decrement the hop limit in place (the packet must have passed readHeader).
 * Returns the new value; a hop limit already at 0 stays 0.
 */
export function decrementHopLimit(buf: Uint8Array): number {
  const h = buf[PACKET_HOP_LIMIT_OFFSET]!;
  const next = h === 0 ? 0 : h - 1;
  buf[PACKET_HOP_LIMIT_OFFSET] = next;
  return next;
}

export function packetSource(buf: Uint8Array): Uint8Array {
  return buf.subarray(PACKET_SOURCE_OFFSET, PACKET_SOURCE_OFFSET + NODE_ID_BYTES);
}

function idTextAt(buf: Uint8Array, offset: number): string {
  return Buffer.from(buf.buffer, buf.byteOffset + offset, NODE_ID_BYTES).toString('hex');
}

export function sourceIdText(buf: Uint8Array): string {
  return idTextAt(buf, PACKET_SOURCE_OFFSET);
}

export function destinationIdText(buf: Uint8Array): string {
  return idTextAt(buf, PACKET_DESTINATION_OFFSET);
}

function idEquals(buf: Uint8Array, offset: number, id: Uint8Array): boolean {
  for (let i = 0; i < NODE_ID_BYTES; i++) if (buf[offset + i] !== id[i]) return false;
  return true;
}

/** Is `id` the packet's destination? (No allocation.) */
export function isDestination(buf: Uint8Array, id: Uint8Array): boolean {
  return idEquals(buf, PACKET_DESTINATION_OFFSET, id);
}

export function isSource(buf: Uint8Array, id: Uint8Array): boolean {
  return idEquals(buf, PACKET_SOURCE_OFFSET, id);
}

/** Bytes of the first body prefix a probe key covers: a DATA packet's receiver index and counter. */
const PROBE_BODY_BYTES = SESSION_INDEX_BYTES + SESSION_COUNTER_BYTES;

/**
 * A key that names one sent packet and that an unreachable's quote of it
 * reproduces: type, destination and the first 12 body bytes (for DATA, the
 * receiver index and counter, unique per session). The daemon's trace and
 * ping keep their probes by this key. Input: a packet or a quote of one.
 */
export function probeKey(packetOrQuote: Uint8Array): string {
  const end = Math.min(packetOrQuote.byteLength, PACKET_HEADER_BYTES + PROBE_BODY_BYTES);
  const b = Buffer.from(packetOrQuote.buffer, packetOrQuote.byteOffset, end);
  const type = b.subarray(PACKET_TYPE_OFFSET, PACKET_TYPE_OFFSET + 1).toString('hex');
  const dest = b.subarray(PACKET_DESTINATION_OFFSET, PACKET_DESTINATION_OFFSET + NODE_ID_BYTES).toString('hex');
  return `${type}:${dest}:${b.subarray(PACKET_HEADER_BYTES).toString('hex')}`;
}
