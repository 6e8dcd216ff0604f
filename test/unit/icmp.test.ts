import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  IcmpType,
  buildEchoRequest,
  buildPacketTooBig,
  echoReplyInPlace,
  icmpv6Checksum,
  isEchoRequest,
  mayReportError,
} from '../../src/dataplane/icmpv6.js';
import { ipv6FromText, ipv6ToText } from '../../src/util/ipv6-text.js';
import { parseIpv6Header } from '../../src/dataplane/ipv6.js';
import { referenceIcmpv6Checksum, storedChecksum } from './icmp-reference.js';

const A = ipv6FromText('fd12:3456:789a:1::a');
const B = ipv6FromText('fd12:3456:789a:2::b');

function bigPacket(bytes: number): Uint8Array {
  return buildEchoRequest({ source: A, destination: B, identifier: 0x1234, sequence: 9, data: Uint8Array.from({ length: bytes - 48 }, (_, i) => i & 0xff) });
}

test('PTB for an oversized packet: addresses swapped, type 2, MTU, first 1232 bytes quoted, 1280 bytes, checksum matches a reference', () => {
  const original = bigPacket(9000);
  const ptb = buildPacketTooBig({ packet: original, mtu: 4000 })!;
  assert.equal(ptb.byteLength, 1280);
  const h = parseIpv6Header(ptb);
  assert.equal(h.nextHeader, 58);
  assert.equal(h.hopLimit, 64);
  assert.equal(ipv6ToText(h.source), ipv6ToText(B), 'from the original destination');
  assert.equal(ipv6ToText(h.destination), ipv6ToText(A), 'to the original source');
  assert.equal(ptb[40], IcmpType.PACKET_TOO_BIG);
  assert.equal(ptb[41], 0);
  assert.equal(Buffer.from(ptb).readUInt32BE(44), 4000);
  assert.deepEqual(ptb.subarray(48), original.subarray(0, 1232));
  assert.equal(storedChecksum(ptb), referenceIcmpv6Checksum(ptb));
  assert.equal(icmpv6Checksum(ptb), 0, 'a correct message sums to zero');
});

test('PTB quotes a short packet whole, takes an explicit source, and refuses an MTU under 1280', () => {
  const original = bigPacket(300);
  const router = ipv6FromText('fd12:3456:789a::1');
  const ptb = buildPacketTooBig({ packet: original, mtu: 1280, source: router })!;
  assert.equal(ptb.byteLength, 48 + 300);
  assert.deepEqual(ptb.subarray(48), original);
  assert.equal(ipv6ToText(parseIpv6Header(ptb).source), 'fd12:3456:789a::1');
  assert.equal(storedChecksum(ptb), referenceIcmpv6Checksum(ptb));
  assert.throws(() => buildPacketTooBig({ packet: original, mtu: 1279 }), RangeError);
  assert.throws(() => buildPacketTooBig({ packet: original, mtu: 1500.5 }), RangeError);
});

test('no PTB about an ICMPv6 error, from a multicast or unspecified source, or for a malformed packet', () => {
  const error = buildPacketTooBig({ packet: bigPacket(2000), mtu: 1280 })!;
  assert.equal(mayReportError(error), false);
  assert.equal(buildPacketTooBig({ packet: error, mtu: 1280 }), null);
  const multicast = bigPacket(2000);
  multicast[8] = 0xff;
  assert.equal(buildPacketTooBig({ packet: multicast, mtu: 1280 }), null);
  const unspecified = bigPacket(2000);
  unspecified.fill(0, 8, 24);
  assert.equal(buildPacketTooBig({ packet: unspecified, mtu: 1280 }), null);
  assert.equal(buildPacketTooBig({ packet: bigPacket(2000).subarray(0, 1999), mtu: 1280 }), null);
  assert.equal(mayReportError(bigPacket(2000)), true, 'an echo request (informational) may be reported');
});

test('echo request and in-place reply carry checksums that match the reference', () => {
  for (const size of [0, 1, 56, 1351, 8000]) {
    const req = buildEchoRequest({ source: A, destination: B, identifier: 0xffff, sequence: size, data: new Uint8Array(size).fill(0xa5) });
    assert.ok(isEchoRequest(req));
    assert.equal(storedChecksum(req), referenceIcmpv6Checksum(req));
    assert.ok(echoReplyInPlace(req));
    assert.equal(req[40], IcmpType.ECHO_REPLY);
    assert.equal(ipv6ToText(parseIpv6Header(req).source), ipv6ToText(B));
    assert.equal(storedChecksum(req), referenceIcmpv6Checksum(req), `reply of ${size} bytes`);
    assert.equal(echoReplyInPlace(req), false, 'a reply is not answered again');
  }
});
