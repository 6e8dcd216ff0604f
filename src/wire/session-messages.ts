/**
 * The bodies of the three session packet types (after the 36-byte header),
 * and the payloads carried encrypted inside the Noise IK messages.
 *
 *   HANDSHAKE_INIT      body = Noise IK message 1; its payload (encrypted to
 *                       the responder's static key) is InitPayload:
 *                         sender index u32 || timestamp u64 || chain (u16 len)
 *   HANDSHAKE_RESPONSE  body = receiver index u32 (the initiator's, in clear,
 *                       to find the handshake) || Noise IK message 2, whose
 *                       payload is the responder's sender index u32
 *   DATA                body = receiver index u32 || counter u64 || AEAD
 *                       ciphertext (plaintext + 16-byte tag)
 *
 * An index is the RECEIVER's local name for the session (as in WireGuard),
 * so each side looks its keys up by a number it chose itself, and an old and
 * a new session can overlap while rekeying. The timestamp is the initiator's
 * strictly increasing handshake clock: the responder refuses any init not
 * newer than the last it accepted from that node (handshake replay).
 *
 * Decoders throw only DecodeError.
 */
import { Reader, Writer } from '../codec/codec.js';
import { DecodeError } from '../util/errors.js';
import {
  DATA_COUNTER_OFFSET,
  DATA_RECEIVER_INDEX_OFFSET,
  INIT_PAYLOAD_MAX_BYTES,
  PACKET_HEADER_BYTES,
  PacketType,
  RESPONSE_BODY_BYTES,
  RESPONSE_PAYLOAD_BYTES,
  SESSION_INDEX_BYTES,
  SESSION_MAX_CHAIN_BYTES,
} from './packet-constants.js';
import { readHeader } from './packet.js';

export interface InitPayload {
  senderIndex: number;
  /** Initiator's handshake clock (microseconds-like, strictly increasing per node). */
  timestamp: number;
  /** The initiator's certificate chain, opaque here. */
  chain: Uint8Array;
}

export interface DataPrefix {
  receiverIndex: number;
  counter: number;
}

const TWO_POW_32 = 0x1_0000_0000;
/** High word limit that keeps a u64 counter a safe JS integer. */
const MAX_SAFE_HIGH_WORD = Math.floor(Number.MAX_SAFE_INTEGER / TWO_POW_32);

export function encodeInitPayload(p: InitPayload): Uint8Array {
  return new Writer(INIT_PAYLOAD_MAX_BYTES, 'session init payload')
    .u32(p.senderIndex, 'sender index')
    .u64(p.timestamp, 'timestamp')
    .bytes16(p.chain, SESSION_MAX_CHAIN_BYTES, 'certificate chain')
    .finish();
}

export function decodeInitPayload(bytes: Uint8Array): InitPayload {
  const r = new Reader(bytes, 'session init payload');
  const senderIndex = r.u32('sender index');
  const timestamp = r.u64('timestamp');
  const chain = r.bytes16(SESSION_MAX_CHAIN_BYTES, 'certificate chain');
  r.end();
  return { senderIndex, timestamp, chain };
}

export function encodeResponsePayload(senderIndex: number): Uint8Array {
  return new Writer(RESPONSE_PAYLOAD_BYTES, 'session response payload').u32(senderIndex, 'sender index').finish();
}

export function decodeResponsePayload(bytes: Uint8Array): number {
  const r = new Reader(bytes, 'session response payload');
  const senderIndex = r.u32('sender index');
  r.end();
  return senderIndex;
}

/** RESPONSE body: receiver index || Noise message 2. */
export function encodeResponseBody(receiverIndex: number, message2: Uint8Array): Uint8Array {
  return new Writer(RESPONSE_BODY_BYTES, 'session response')
    .u32(receiverIndex, 'receiver index')
    .bytes(message2, RESPONSE_BODY_BYTES - SESSION_INDEX_BYTES, 'noise message 2')
    .finish();
}

/** Split a whole RESPONSE packet (header checked) into the receiver index and a view of message 2. */
export function decodeResponse(packet: Uint8Array): { receiverIndex: number; message2: Uint8Array } {
  const header = readHeader(packet);
  if (header.type !== PacketType.HANDSHAKE_RESPONSE) throw new DecodeError(`session response: packet type is ${header.type}`);
  return {
    receiverIndex: readU32(packet, PACKET_HEADER_BYTES),
    message2: packet.subarray(PACKET_HEADER_BYTES + SESSION_INDEX_BYTES),
  };
}

/** Noise message 1 of a whole INIT packet (header checked): a view. */
export function decodeInit(packet: Uint8Array): Uint8Array {
  const header = readHeader(packet);
  if (header.type !== PacketType.HANDSHAKE_INIT) throw new DecodeError(`session init: packet type is ${header.type}`);
  return packet.subarray(PACKET_HEADER_BYTES);
}

function readU32(b: Uint8Array, o: number): number {
  return b[o]! * 0x100_0000 + ((b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!);
}

function writeU32(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24;
  b[o + 1] = (v >>> 16) & 0xff;
  b[o + 2] = (v >>> 8) & 0xff;
  b[o + 3] = v & 0xff;
}

/**
 * Receiver index and counter of a DATA packet that passed readHeader (its
 * body is at least DATA_MIN_BODY_BYTES). Byte reads, no DataView: hot path.
 */
export function readDataPrefix(packet: Uint8Array): DataPrefix {
  const receiverIndex = readU32(packet, DATA_RECEIVER_INDEX_OFFSET);
  const high = readU32(packet, DATA_COUNTER_OFFSET);
  if (high > MAX_SAFE_HIGH_WORD) throw new DecodeError('session data: counter beyond 2^53');
  return { receiverIndex, counter: high * TWO_POW_32 + readU32(packet, DATA_COUNTER_OFFSET + 4) };
}

/** Write receiver index and counter into a DATA packet being built. */
export function writeDataPrefix(packet: Uint8Array, receiverIndex: number, counter: number): void {
  writeU32(packet, DATA_RECEIVER_INDEX_OFFSET, receiverIndex);
  writeU32(packet, DATA_COUNTER_OFFSET, Math.floor(counter / TWO_POW_32));
  writeU32(packet, DATA_COUNTER_OFFSET + 4, counter % TWO_POW_32);
}
