/**
 * Whole IPv6 packets for firewall tests: TCP, UDP, ICMPv6 echo and errors
 * quoting another packet, optionally behind extension headers. Checksums
 * are left zero: nothing on the firewall's path reads them.
 */
import { writeIpv6Header, IPV6_HEADER_BYTES } from '../../src/dataplane/ipv6.js';
import { IpProto, TcpFlag } from '../../src/dataplane/firewall/flow-fields.js';
import { ipv6FromText } from '../../src/util/ipv6-text.js';

export { TcpFlag };

export interface Ends {
  src: string;
  dst: string;
}

function packet(ends: Ends, nextHeader: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(IPV6_HEADER_BYTES + body.byteLength);
  writeIpv6Header(out, { payloadLength: body.byteLength, nextHeader, hopLimit: 64, source: ipv6FromText(ends.src), destination: ipv6FromText(ends.dst) });
  out.set(body, IPV6_HEADER_BYTES);
  return out;
}

export function tcp(ends: Ends, srcPort: number, dstPort: number, flags: number = TcpFlag.ACK): Uint8Array {
  const h = new Uint8Array(20);
  const v = new DataView(h.buffer);
  v.setUint16(0, srcPort);
  v.setUint16(2, dstPort);
  h[12] = 5 << 4;
  h[13] = flags;
  return packet(ends, IpProto.TCP, h);
}

export function udp(ends: Ends, srcPort: number, dstPort: number, payload = 4): Uint8Array {
  const h = new Uint8Array(8 + payload);
  const v = new DataView(h.buffer);
  v.setUint16(0, srcPort);
  v.setUint16(2, dstPort);
  v.setUint16(4, h.byteLength);
  return packet(ends, IpProto.UDP, h);
}

export function echo(ends: Ends, type: 'request' | 'reply', id: number, seq = 1): Uint8Array {
  const h = new Uint8Array(8 + 8);
  h[0] = type === 'request' ? 128 : 129;
  const v = new DataView(h.buffer);
  v.setUint16(4, id);
  v.setUint16(6, seq);
  return packet(ends, IpProto.ICMPV6, h);
}

/** An ICMPv6 error (1 unreachable, 2 Packet Too Big, 3 time exceeded) quoting `invoking`'s first `quoteBytes`. */
export function icmpError(ends: Ends, type: 1 | 2 | 3, invoking: Uint8Array, quoteBytes = invoking.byteLength): Uint8Array {
  const quote = invoking.subarray(0, Math.min(quoteBytes, invoking.byteLength));
  const h = new Uint8Array(8 + quote.byteLength);
  h[0] = type;
  if (type === 2) new DataView(h.buffer).setUint32(4, 1280);
  h.set(quote, 8);
  return packet(ends, IpProto.ICMPV6, h);
}

/** Any other ICMPv6 message (e.g. 135 neighbour solicitation). */
export function icmpOther(ends: Ends, type: number): Uint8Array {
  const h = new Uint8Array(24);
  h[0] = type;
  return packet(ends, IpProto.ICMPV6, h);
}

/** `inner`'s transport behind a destination-options header (and a fragment header, when given). */
export function withExtensions(inner: Uint8Array, fragment?: { offset: number; more: boolean }): Uint8Array {
  const transport = inner.subarray(IPV6_HEADER_BYTES);
  const innerProto = inner[6]!;
  const frag = fragment ? new Uint8Array(8) : new Uint8Array(0);
  if (fragment) {
    frag[0] = innerProto;
    new DataView(frag.buffer).setUint16(2, (fragment.offset << 3) | (fragment.more ? 1 : 0));
  }
  const opts = new Uint8Array(8);
  opts[0] = fragment ? IpProto.FRAGMENT : innerProto;
  opts[1] = 0;
  opts[2] = 1; // PadN
  opts[3] = 4;
  const body = new Uint8Array(opts.byteLength + frag.byteLength + transport.byteLength);
  body.set(opts, 0);
  body.set(frag, opts.byteLength);
  body.set(transport, opts.byteLength + frag.byteLength);
  const out = new Uint8Array(IPV6_HEADER_BYTES + body.byteLength);
  out.set(inner.subarray(0, IPV6_HEADER_BYTES));
  out[4] = body.byteLength >> 8;
  out[5] = body.byteLength & 0xff;
  out[6] = IpProto.DESTINATION_OPTIONS;
  out.set(body, IPV6_HEADER_BYTES);
  return out;
}
