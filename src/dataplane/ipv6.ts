/**
 * The IPv6 fixed header (RFC 8200 section 3) as the data plane sees it:
 * offsets for the hot path (which reads the destination and source in place,
 * no copy, no object) and a bounded parser for everything else.
 *
 *   offset size field
 *   0      4    version (4 bits) | traffic class (8) | flow label (20)
 *   4      2    payload length (bytes after this 40-byte header)
 *   6      1    next header
 *   7      1    hop limit
 *   8      16   source address
 *   24     16   destination address
 *
 * `parseIpv6Header` throws only DecodeError.
 */
import { DecodeError } from '../util/errors.js';

export const IPV6_VERSION = 6;
export const IPV6_HEADER_BYTES = 40;
export const IPV6_ADDRESS_BYTES = 16;
export const IPV6_PAYLOAD_LENGTH_OFFSET = 4;
export const IPV6_NEXT_HEADER_OFFSET = 6;
export const IPV6_HOP_LIMIT_OFFSET = 7;
export const IPV6_SOURCE_OFFSET = 8;
export const IPV6_DESTINATION_OFFSET = 24;
/** Every IPv6 link must carry packets this large (RFC 8200 section 5). */
export const IPV6_MIN_MTU = 1280;
/** Largest packet without a jumbogram option: 40-byte header + 16-bit payload length. */
export const IPV6_MAX_PACKET_BYTES = IPV6_HEADER_BYTES + 0xffff;
/** Next-header number of ICMPv6. */
export const NEXT_HEADER_ICMPV6 = 58;

export interface Ipv6Header {
  trafficClass: number;
  flowLabel: number;
  payloadLength: number;
  nextHeader: number;
  hopLimit: number;
  /** Views into the packet (no copy): valid while the packet's bytes are. */
  source: Uint8Array;
  destination: Uint8Array;
}

/** Cheap structural check for the hot path: long enough, version 6, length field consistent. */
export function isIpv6Packet(packet: Uint8Array): boolean {
  if (packet.byteLength < IPV6_HEADER_BYTES || packet.byteLength > IPV6_MAX_PACKET_BYTES) return false;
  if (packet[0]! >> 4 !== IPV6_VERSION) return false;
  const payloadLength = (packet[IPV6_PAYLOAD_LENGTH_OFFSET]! << 8) | packet[IPV6_PAYLOAD_LENGTH_OFFSET + 1]!;
  return IPV6_HEADER_BYTES + payloadLength === packet.byteLength;
}

/**
 * Parse the fixed header of one whole packet. Refuses a wrong version, a
 * packet shorter than its payload length says (truncated) or longer (trailing
 * bytes: a TUN read returns exactly one packet), and jumbograms (payload
 * length 0 with data after the header), which no Skein link carries.
 */
export function parseIpv6Header(packet: Uint8Array): Ipv6Header {
  const length = packet.byteLength;
  if (length < IPV6_HEADER_BYTES) throw new DecodeError(`IPv6 packet: ${length} bytes is shorter than the ${IPV6_HEADER_BYTES}-byte header`);
  if (length > IPV6_MAX_PACKET_BYTES) throw new DecodeError(`IPv6 packet: ${length} bytes exceeds ${IPV6_MAX_PACKET_BYTES}`);
  const version = packet[0]! >> 4;
  if (version !== IPV6_VERSION) throw new DecodeError(`IPv6 packet: version ${version}, expected ${IPV6_VERSION}`);
  const payloadLength = (packet[IPV6_PAYLOAD_LENGTH_OFFSET]! << 8) | packet[IPV6_PAYLOAD_LENGTH_OFFSET + 1]!;
  if (IPV6_HEADER_BYTES + payloadLength !== length) {
    throw new DecodeError(`IPv6 packet: payload length ${payloadLength} does not match the ${length - IPV6_HEADER_BYTES} bytes after the header`);
  }
  return {
    trafficClass: ((packet[0]! & 0x0f) << 4) | (packet[1]! >> 4),
    flowLabel: ((packet[1]! & 0x0f) << 16) | (packet[2]! << 8) | packet[3]!,
    payloadLength,
    nextHeader: packet[IPV6_NEXT_HEADER_OFFSET]!,
    hopLimit: packet[IPV6_HOP_LIMIT_OFFSET]!,
    source: packet.subarray(IPV6_SOURCE_OFFSET, IPV6_SOURCE_OFFSET + IPV6_ADDRESS_BYTES),
    destination: packet.subarray(IPV6_DESTINATION_OFFSET, IPV6_DESTINATION_OFFSET + IPV6_ADDRESS_BYTES),
  };
}

/** Write a fixed header (traffic class and flow label 0) into the first 40 bytes of `out`. */
export function writeIpv6Header(out: Uint8Array, fields: { payloadLength: number; nextHeader: number; hopLimit: number; source: Uint8Array; destination: Uint8Array }): void {
  out[0] = IPV6_VERSION << 4;
  out[1] = 0;
  out[2] = 0;
  out[3] = 0;
  out[IPV6_PAYLOAD_LENGTH_OFFSET] = fields.payloadLength >> 8;
  out[IPV6_PAYLOAD_LENGTH_OFFSET + 1] = fields.payloadLength & 0xff;
  out[IPV6_NEXT_HEADER_OFFSET] = fields.nextHeader;
  out[IPV6_HOP_LIMIT_OFFSET] = fields.hopLimit;
  out.set(fields.source, IPV6_SOURCE_OFFSET);
  out.set(fields.destination, IPV6_DESTINATION_OFFSET);
}

/** True when the 16 bytes at `offset` of `packet` equal `address`. */
export function addressAt(packet: Uint8Array, offset: number, address: Uint8Array): boolean {
  if (packet.byteLength < offset + IPV6_ADDRESS_BYTES) return false;
  for (let i = 0; i < IPV6_ADDRESS_BYTES; i++) if (packet[offset + i] !== address[i]) return false;
  return true;
}
