/**
 * ICMPv6 (RFC 4443) messages the node itself originates: Packet Too Big,
 * so a sender's TCP lowers its path MTU when a packet cannot cross the mesh,
 * and echo request/reply (tests and the TUN benchmark).
 *
 * The checksum covers the pseudo-header (RFC 8200 section 8.1): source,
 * destination, upper-layer length (u32), three zero bytes, next header 58.
 */
import {
  IPV6_ADDRESS_BYTES,
  IPV6_DESTINATION_OFFSET,
  IPV6_HEADER_BYTES,
  IPV6_MIN_MTU,
  IPV6_NEXT_HEADER_OFFSET,
  IPV6_SOURCE_OFFSET,
  NEXT_HEADER_ICMPV6,
  isIpv6Packet,
  writeIpv6Header,
} from './ipv6.js';

export const ICMPV6_HEADER_BYTES = 4;
export const ICMPV6_CHECKSUM_OFFSET = 2;
export const IcmpType = {
  DESTINATION_UNREACHABLE: 1,
  PACKET_TOO_BIG: 2,
  TIME_EXCEEDED: 3,
  PARAMETER_PROBLEM: 4,
  ECHO_REQUEST: 128,
  ECHO_REPLY: 129,
} as const;
/** Types below this are error messages, which never trigger another error (RFC 4443 2.4(e)). */
const FIRST_INFORMATIONAL_TYPE = 128;
/** PTB: type, code, checksum, MTU (u32), then the invoking packet. */
export const PTB_FIXED_BYTES = 8;
/** An ICMPv6 error, invoking packet included, never exceeds the minimum MTU (RFC 4443 2.4(c)). */
export const ICMP_ERROR_MAX_PACKET_BYTES = IPV6_MIN_MTU;
/** Hop limit of messages the node originates (Linux's default unicast hop limit). */
export const ORIGINATED_HOP_LIMIT = 64;
/** Echo: type, code, checksum, identifier u16, sequence u16. */
export const ECHO_FIXED_BYTES = 8;

function sum16(bytes: Uint8Array, from: number, to: number, acc: number): number {
  let i = from;
  for (; i + 1 < to; i += 2) acc += (bytes[i]! << 8) | bytes[i + 1]!;
  if (i < to) acc += bytes[i]! << 8;
  return acc;
}

function fold(acc: number): number {
  while (acc > 0xffff) acc = (acc & 0xffff) + Math.floor(acc / 0x10000);
  return acc;
}

/**
 * The checksum of the ICMPv6 message in packet[40..] (whose checksum field
 * must hold 0 or the value to verify). Returns the value to store; a
 * message whose stored checksum is right sums to 0 here.
 */
export function icmpv6Checksum(packet: Uint8Array): number {
  const length = packet.byteLength - IPV6_HEADER_BYTES;
  let acc = sum16(packet, IPV6_SOURCE_OFFSET, IPV6_DESTINATION_OFFSET + IPV6_ADDRESS_BYTES, 0);
  acc += Math.floor(length / 0x10000) + (length & 0xffff) + NEXT_HEADER_ICMPV6;
  acc = sum16(packet, IPV6_HEADER_BYTES, packet.byteLength, acc);
  return ~fold(acc) & 0xffff;
}

function storeChecksum(packet: Uint8Array): void {
  const at = IPV6_HEADER_BYTES + ICMPV6_CHECKSUM_OFFSET;
  packet[at] = 0;
  packet[at + 1] = 0;
  const c = icmpv6Checksum(packet);
  packet[at] = c >> 8;
  packet[at + 1] = c & 0xff;
}

function isUnspecifiedOrMulticast(packet: Uint8Array, offset: number): boolean {
  if (packet[offset] === 0xff) return true;
  for (let i = 0; i < IPV6_ADDRESS_BYTES; i++) if (packet[offset + i] !== 0) return false;
  return true;
}

/** Whether RFC 4443 2.4(e) allows an error about this packet: not about an error, not to a group or nobody. */
export function mayReportError(packet: Uint8Array): boolean {
  if (!isIpv6Packet(packet)) return false;
  if (isUnspecifiedOrMulticast(packet, IPV6_SOURCE_OFFSET)) return false;
  // An ICMPv6 error right after the fixed header (extension headers are not walked: a packet with
  // them simply gets its PTB, which is what the RFC wants for everything but ICMPv6 errors).
  const isIcmpError = packet[IPV6_NEXT_HEADER_OFFSET] === NEXT_HEADER_ICMPV6 &&
    packet.byteLength > IPV6_HEADER_BYTES && packet[IPV6_HEADER_BYTES]! < FIRST_INFORMATIONAL_TYPE;
  return !isIcmpError;
}

export interface PacketTooBigOptions {
  /** The packet that did not fit (whole, as read from TUN). */
  packet: Uint8Array;
  /** The MTU to report: what does fit (at least 1280). */
  mtu: number;
  /**
   * Source of the PTB. Default: the invoking packet's destination, an
   * address inside the cluster prefix that is not the receiving host's own
   * (Linux accepts a PTB from any source; a local source would look spoofed).
   */
  source?: Uint8Array;
}

/**
 * The ICMPv6 Packet Too Big to write back into TUN for an oversized packet,
 * or null when the rules forbid an error about it (mayReportError).
 */
export function buildPacketTooBig(opts: PacketTooBigOptions): Uint8Array | null {
  const { packet, mtu } = opts;
  if (!Number.isInteger(mtu) || mtu < IPV6_MIN_MTU || mtu > 0xffff_ffff) {
    throw new RangeError(`Packet Too Big MTU ${mtu} must be an integer >= ${IPV6_MIN_MTU}`);
  }
  if (!mayReportError(packet)) return null;
  const quoted = Math.min(packet.byteLength, ICMP_ERROR_MAX_PACKET_BYTES - IPV6_HEADER_BYTES - PTB_FIXED_BYTES);
  const out = new Uint8Array(IPV6_HEADER_BYTES + PTB_FIXED_BYTES + quoted);
  writeIpv6Header(out, {
    payloadLength: PTB_FIXED_BYTES + quoted,
    nextHeader: NEXT_HEADER_ICMPV6,
    hopLimit: ORIGINATED_HOP_LIMIT,
    source: opts.source ?? packet.subarray(IPV6_DESTINATION_OFFSET, IPV6_DESTINATION_OFFSET + IPV6_ADDRESS_BYTES),
    destination: packet.subarray(IPV6_SOURCE_OFFSET, IPV6_SOURCE_OFFSET + IPV6_ADDRESS_BYTES),
  });
  const icmp = IPV6_HEADER_BYTES;
  out[icmp] = IcmpType.PACKET_TOO_BIG;
  out[icmp + 1] = 0;
  new DataView(out.buffer).setUint32(icmp + ICMPV6_HEADER_BYTES, mtu);
  out.set(packet.subarray(0, quoted), icmp + PTB_FIXED_BYTES);
  storeChecksum(out);
  return out;
}

export interface EchoOptions {
  source: Uint8Array;
  destination: Uint8Array;
  identifier: number;
  sequence: number;
  data?: Uint8Array;
}

/** A whole IPv6 packet carrying an ICMPv6 echo request. */
export function buildEchoRequest(opts: EchoOptions): Uint8Array {
  const data = opts.data ?? new Uint8Array(0);
  const out = new Uint8Array(IPV6_HEADER_BYTES + ECHO_FIXED_BYTES + data.byteLength);
  writeIpv6Header(out, {
    payloadLength: ECHO_FIXED_BYTES + data.byteLength,
    nextHeader: NEXT_HEADER_ICMPV6,
    hopLimit: ORIGINATED_HOP_LIMIT,
    source: opts.source,
    destination: opts.destination,
  });
  const view = new DataView(out.buffer);
  out[IPV6_HEADER_BYTES] = IcmpType.ECHO_REQUEST;
  view.setUint16(IPV6_HEADER_BYTES + ICMPV6_HEADER_BYTES, opts.identifier);
  view.setUint16(IPV6_HEADER_BYTES + ICMPV6_HEADER_BYTES + 2, opts.sequence);
  out.set(data, IPV6_HEADER_BYTES + ECHO_FIXED_BYTES);
  storeChecksum(out);
  return out;
}

export function isEchoRequest(packet: Uint8Array): boolean {
  return isIpv6Packet(packet) && packet[IPV6_NEXT_HEADER_OFFSET] === NEXT_HEADER_ICMPV6 &&
    packet.byteLength >= IPV6_HEADER_BYTES + ECHO_FIXED_BYTES && packet[IPV6_HEADER_BYTES] === IcmpType.ECHO_REQUEST;
}

/**
 * Turn an echo request into its reply IN PLACE (swap addresses, type 128 ->
 * 129, patch the checksum incrementally: the pseudo-header sum does not
 * change when source and destination swap). No allocation: the benchmark's
 * responder uses it per packet. Returns false (packet untouched) if it is
 * not an echo request.
 */
export function echoReplyInPlace(packet: Uint8Array): boolean {
  if (!isEchoRequest(packet)) return false;
  for (let i = 0; i < IPV6_ADDRESS_BYTES; i++) {
    const s = packet[IPV6_SOURCE_OFFSET + i]!;
    packet[IPV6_SOURCE_OFFSET + i] = packet[IPV6_DESTINATION_OFFSET + i]!;
    packet[IPV6_DESTINATION_OFFSET + i] = s;
  }
  packet[IPV6_HEADER_BYTES] = IcmpType.ECHO_REPLY;
  // RFC 1624: HC' = ~(~HC + ~m + m'), the type byte being the high byte of the first word.
  const at = IPV6_HEADER_BYTES + ICMPV6_CHECKSUM_OFFSET;
  const old = (packet[at]! << 8) | packet[at + 1]!;
  const oldWord = IcmpType.ECHO_REQUEST << 8;
  const newWord = IcmpType.ECHO_REPLY << 8;
  const c = ~fold((~old & 0xffff) + (~oldWord & 0xffff) + newWord) & 0xffff;
  packet[at] = c >> 8;
  packet[at + 1] = c & 0xff;
  return true;
}
