/**
 * What the firewall reads from an IPv6 packet: the transport protocol after
 * any extension headers, the ports (TCP, UDP), the ICMPv6 type and echo
 * identifier, the TCP flags. Bounded: at most MAX_EXTENSION_HEADERS headers
 * are walked and nothing is read past the packet; a packet that ends inside
 * a header it announces is `truncated` (the firewall drops it).
 *
 * The hot path fills one caller-owned `FlowFields` (no allocation). For the
 * packet quoted inside an ICMPv6 error (`quoted: true`), the IPv6 length
 * field is not checked (errors quote only the packet's beginning) and 8
 * transport bytes suffice: ports and the echo identifier are in them.
 */
import { IPV6_HEADER_BYTES, IPV6_NEXT_HEADER_OFFSET, IPV6_PAYLOAD_LENGTH_OFFSET, IPV6_VERSION } from '../ipv6.js';

export const IpProto = {
  HOP_BY_HOP: 0,
  TCP: 6,
  UDP: 17,
  ROUTING: 43,
  FRAGMENT: 44,
  ESP: 50,
  AH: 51,
  ICMPV6: 58,
  NO_NEXT_HEADER: 59,
  DESTINATION_OPTIONS: 60,
  MOBILITY: 135,
  HIP: 139,
  SHIM6: 140,
} as const;

/** Extension headers walked at most before the packet is refused (real packets carry one or two). */
export const MAX_EXTENSION_HEADERS = 8;
const FRAGMENT_HEADER_BYTES = 8;
const FRAGMENT_OFFSET_MASK = 0xfff8;
const TCP_MIN_HEADER_BYTES = 20;
const UDP_HEADER_BYTES = 8;
/** ICMPv6 type, code, checksum, then (echo) identifier and sequence. */
const ICMP_ECHO_BYTES = 8;
/** Bytes of the transport header an ICMPv6 error must quote for the firewall to match it to a flow. */
const QUOTED_TRANSPORT_BYTES = 8;
const TCP_FLAGS_OFFSET = 13;

export const TcpFlag = { FIN: 0x01, SYN: 0x02, RST: 0x04, ACK: 0x10 } as const;

export interface FlowFields {
  /** Transport protocol number (after extension headers). */
  proto: number;
  srcPort: number;
  dstPort: number;
  /** ICMPv6 only. */
  icmpType: number;
  icmpId: number;
  /** TCP only. */
  tcpFlags: number;
  /** A fragment after the first: it has no transport header, so no ports. */
  laterFragment: boolean;
  /** Where the transport header starts. */
  transportOffset: number;
}

export type FlowFieldsResult = 'ok' | 'not-ipv6' | 'truncated' | 'too-many-headers';

export function emptyFlowFields(): FlowFields {
  return { proto: 0, srcPort: 0, dstPort: 0, icmpType: 0, icmpId: 0, tcpFlags: 0, laterFragment: false, transportOffset: 0 };
}

function isLengthPrefixedExtension(proto: number): boolean {
  return proto === IpProto.HOP_BY_HOP || proto === IpProto.ROUTING || proto === IpProto.DESTINATION_OPTIONS ||
    proto === IpProto.MOBILITY || proto === IpProto.HIP || proto === IpProto.SHIM6;
}

function u16(p: Uint8Array, at: number): number {
  return (p[at]! << 8) | p[at + 1]!;
}

/** Fill `out` from the packet at `start` (0 for a packet, the quote's offset for an ICMPv6 error). */
export function readFlowFields(packet: Uint8Array, out: FlowFields, opts: { start?: number; quoted?: boolean } = {}): FlowFieldsResult {
  const start = opts.start ?? 0;
  const quoted = opts.quoted ?? false;
  const end = packet.byteLength;
  if (end - start < IPV6_HEADER_BYTES || packet[start]! >> 4 !== IPV6_VERSION) return 'not-ipv6';
  if (!quoted && IPV6_HEADER_BYTES + u16(packet, start + IPV6_PAYLOAD_LENGTH_OFFSET) !== end - start) return 'truncated';
  out.srcPort = 0;
  out.dstPort = 0;
  out.icmpType = 0;
  out.icmpId = 0;
  out.tcpFlags = 0;
  out.laterFragment = false;
  let proto = packet[start + IPV6_NEXT_HEADER_OFFSET]!;
  let at = start + IPV6_HEADER_BYTES;
  for (let walked = 0; ; walked++) {
    if (isLengthPrefixedExtension(proto)) {
      if (at + 2 > end) return 'truncated';
      const next = packet[at]!;
      at += (packet[at + 1]! + 1) * 8;
      proto = next;
    } else if (proto === IpProto.AH) {
      if (at + 2 > end) return 'truncated';
      const next = packet[at]!;
      at += (packet[at + 1]! + 2) * 4;
      proto = next;
    } else if (proto === IpProto.FRAGMENT) {
      if (at + FRAGMENT_HEADER_BYTES > end) return 'truncated';
      const next = packet[at]!;
      const later = (u16(packet, at + 2) & FRAGMENT_OFFSET_MASK) !== 0;
      at += FRAGMENT_HEADER_BYTES;
      proto = next;
      if (later) {
        out.proto = proto;
        out.laterFragment = true;
        out.transportOffset = at;
        return 'ok';
      }
    } else {
      break;
    }
    if (walked + 1 >= MAX_EXTENSION_HEADERS) return 'too-many-headers';
  }
  if (at > end) return 'truncated';
  out.proto = proto;
  out.transportOffset = at;
  const room = end - at;
  if (proto === IpProto.TCP || proto === IpProto.UDP) {
    const need = quoted ? QUOTED_TRANSPORT_BYTES : proto === IpProto.TCP ? TCP_MIN_HEADER_BYTES : UDP_HEADER_BYTES;
    if (room < need) return 'truncated';
    out.srcPort = u16(packet, at);
    out.dstPort = u16(packet, at + 2);
    if (proto === IpProto.TCP && room > TCP_FLAGS_OFFSET) out.tcpFlags = packet[at + TCP_FLAGS_OFFSET]!;
  } else if (proto === IpProto.ICMPV6) {
    if (room < (quoted ? ICMP_ECHO_BYTES : 4)) return 'truncated';
    out.icmpType = packet[at]!;
    if (room >= ICMP_ECHO_BYTES) out.icmpId = u16(packet, at + 4);
  }
  return 'ok';
}
