/**
 * The body of an UNREACHABLE packet: a relay's report that it dropped a
 * packet, sent to that packet's source. The header's source is the relay,
 * its destination the original sender.
 *
 *   reason u8 (UnreachableReason) || quote length u8 || quote || signature (64)
 *
 * quote = the first bytes of the dropped packet as the relay received it
 * (its whole header, then up to UNREACHABLE_QUOTE_MAX_BYTES in all).
 * signature = Ed25519 by the relay's node key over
 *   UNREACHABLE_SIGNATURE_DOMAIN || packet[0, 35) || reason || quote length || quote
 * i.e. the domain, the unreachable's own invariant header (version, type,
 * flags, source = relay, destination) and everything in the body before the
 * signature. Signing and checking are in src/dataplane/forward-unreachable.ts.
 *
 * `decodeUnreachable` throws only DecodeError.
 */
import { ED25519_SIGNATURE_BYTES } from '../crypto/primitives.js';
import { DecodeError, ErrorCodes, SkeinError } from '../util/errors.js';
import {
  PACKET_HEADER_BYTES,
  PACKET_INVARIANT_BYTES,
  PacketType,
  UNREACHABLE_QUOTE_MAX_BYTES,
  UNREACHABLE_SIGNATURE_DOMAIN,
  UnreachableReason,
  type UnreachableReasonNumber,
} from './packet-constants.js';
import { readHeader } from './packet.js';

export interface UnreachableBody {
  reason: UnreachableReasonNumber;
  /** A view into the packet (no copy). */
  quote: Uint8Array;
  signature: Uint8Array;
}

const REASON_OFFSET = PACKET_HEADER_BYTES;
const QUOTE_LENGTH_OFFSET = REASON_OFFSET + 1;
const QUOTE_OFFSET = QUOTE_LENGTH_OFFSET + 1;

function isReason(r: number): r is UnreachableReasonNumber {
  return Object.values(UnreachableReason).includes(r as UnreachableReasonNumber);
}

/** The quote of a dropped packet: its first UNREACHABLE_QUOTE_MAX_BYTES bytes (a view). */
export function quoteOf(packet: Uint8Array): Uint8Array {
  return packet.subarray(0, Math.min(packet.byteLength, UNREACHABLE_QUOTE_MAX_BYTES));
}

/** What the relay signs: domain || invariant header || reason || quote length || quote. */
export function unreachableSignedBytes(invariantHeader: Uint8Array, reason: number, quote: Uint8Array): Uint8Array {
  const domain = UNREACHABLE_SIGNATURE_DOMAIN;
  const out = new Uint8Array(domain.byteLength + PACKET_INVARIANT_BYTES + 2 + quote.byteLength);
  out.set(domain, 0);
  out.set(invariantHeader.subarray(0, PACKET_INVARIANT_BYTES), domain.byteLength);
  out[domain.byteLength + PACKET_INVARIANT_BYTES] = reason;
  out[domain.byteLength + PACKET_INVARIANT_BYTES + 1] = quote.byteLength;
  out.set(quote, domain.byteLength + PACKET_INVARIANT_BYTES + 2);
  return out;
}

/** The body bytes (after the header) for a reason, a quote and its signature. */
export function encodeUnreachableBody(reason: UnreachableReasonNumber, quote: Uint8Array, signature: Uint8Array): Uint8Array {
  if (quote.byteLength < PACKET_HEADER_BYTES || quote.byteLength > UNREACHABLE_QUOTE_MAX_BYTES) {
    throw new SkeinError(ErrorCodes.ENCODE, `unreachable: quote is ${quote.byteLength} bytes, outside ${PACKET_HEADER_BYTES}..${UNREACHABLE_QUOTE_MAX_BYTES}`);
  }
  if (signature.byteLength !== ED25519_SIGNATURE_BYTES) throw new SkeinError(ErrorCodes.ENCODE, 'unreachable: signature must be 64 bytes');
  const out = new Uint8Array(2 + quote.byteLength + ED25519_SIGNATURE_BYTES);
  out[0] = reason;
  out[1] = quote.byteLength;
  out.set(quote, 2);
  out.set(signature, 2 + quote.byteLength);
  return out;
}

/**
 * Decode a whole UNREACHABLE packet's body (the header is checked too). No
 * allocation: the bytes the signature covers are built only by a caller
 * that gets as far as checking it (unreachableSignedBytes).
 */
export function decodeUnreachable(packet: Uint8Array): UnreachableBody {
  const header = readHeader(packet);
  if (header.type !== PacketType.UNREACHABLE) throw new DecodeError(`unreachable: packet type is ${header.type}`);
  const reason = packet[REASON_OFFSET]!;
  if (!isReason(reason)) throw new DecodeError(`unreachable: unknown reason ${reason}`);
  const quoteLength = packet[QUOTE_LENGTH_OFFSET]!;
  if (quoteLength < PACKET_HEADER_BYTES || quoteLength > UNREACHABLE_QUOTE_MAX_BYTES) {
    throw new DecodeError(`unreachable: quote length ${quoteLength} outside ${PACKET_HEADER_BYTES}..${UNREACHABLE_QUOTE_MAX_BYTES}`);
  }
  const expected = QUOTE_OFFSET + quoteLength + ED25519_SIGNATURE_BYTES;
  if (packet.byteLength !== expected) {
    throw new DecodeError(`unreachable: ${packet.byteLength} bytes, expected ${expected} for a ${quoteLength}-byte quote`);
  }
  const quote = packet.subarray(QUOTE_OFFSET, QUOTE_OFFSET + quoteLength);
  const signature = packet.subarray(QUOTE_OFFSET + quoteLength);
  return { reason, quote, signature };
}
