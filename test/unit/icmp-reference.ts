/**
 * An independent ICMPv6 checksum for the tests: build the RFC 8200 8.1
 * pseudo-header as bytes, append the message with its checksum field
 * zeroed, and sum big-endian 16-bit words with Buffer's reader. Shares no
 * code with src/dataplane/icmpv6.ts.
 */
export function referenceIcmpv6Checksum(packet: Uint8Array): number {
  const p = Buffer.from(packet);
  const icmp = Buffer.from(p.subarray(40));
  icmp.writeUInt16BE(0, 2);
  const pseudo = Buffer.alloc(40);
  p.copy(pseudo, 0, 8, 40);
  pseudo.writeUInt32BE(icmp.length, 32);
  pseudo.writeUInt8(58, 39);
  let all = Buffer.concat([pseudo, icmp]);
  if (all.length % 2 === 1) all = Buffer.concat([all, Buffer.alloc(1)]);
  let sum = 0;
  for (let i = 0; i < all.length; i += 2) sum += all.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum >>> 16) + (sum & 0xffff);
  return ~sum & 0xffff;
}

export function storedChecksum(packet: Uint8Array): number {
  return (packet[42]! << 8) | packet[43]!;
}
