/**
 * Fuzz: the IPv6 parser and the PTB builder on arbitrary bytes (only
 * DecodeError, never a crash; every PTB produced is a well-formed packet
 * with a correct checksum), and echo replies from random requests.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { buildEchoRequest, buildPacketTooBig, echoReplyInPlace } from '../../src/dataplane/icmpv6.js';
import { IPV6_MAX_PACKET_BYTES, isIpv6Packet, parseIpv6Header } from '../../src/dataplane/ipv6.js';
import { DecodeError } from '../../src/util/errors.js';
import { referenceIcmpv6Checksum, storedChecksum } from '../unit/icmp-reference.js';

const RUNS = 10_000;

/** Random bytes, and random bytes behind a plausible IPv6 header (so the deeper paths run too). */
const packetish = fc.oneof(
  fc.uint8Array({ maxLength: 200 }),
  fc.tuple(fc.uint8Array({ minLength: 40, maxLength: 40 }), fc.uint8Array({ maxLength: 2000 }), fc.boolean()).map(([h, body, honest]) => {
    const p = new Uint8Array(40 + body.byteLength);
    p.set(h);
    p.set(body, 40);
    p[0] = 0x60 | (p[0]! & 0x0f);
    const length = honest ? body.byteLength : (p[4]! << 8) | p[5]!;
    p[4] = length >> 8;
    p[5] = length & 0xff;
    return p;
  }),
);

test(`parseIpv6Header on ${RUNS} random inputs: a header agreeing with isIpv6Packet, or DecodeError`, () => {
  fc.assert(fc.property(packetish, (bytes) => {
    try {
      const h = parseIpv6Header(bytes);
      assert.ok(isIpv6Packet(bytes));
      assert.equal(h.payloadLength + 40, bytes.byteLength);
    } catch (err) {
      assert.ok(err instanceof DecodeError, String(err));
      assert.ok(!isIpv6Packet(bytes));
    }
  }), { numRuns: RUNS });
  assert.throws(() => parseIpv6Header(new Uint8Array(IPV6_MAX_PACKET_BYTES + 1)), DecodeError);
});

test(`buildPacketTooBig on ${RUNS} random inputs: null or a valid PTB of at most 1280 bytes with a correct checksum`, () => {
  fc.assert(fc.property(packetish, fc.integer({ min: 1280, max: 65_535 }), (bytes, mtu) => {
    const ptb = buildPacketTooBig({ packet: bytes, mtu });
    if (ptb === null) return;
    assert.ok(isIpv6Packet(ptb) && ptb.byteLength <= 1280);
    assert.equal(storedChecksum(ptb), referenceIcmpv6Checksum(ptb));
  }), { numRuns: RUNS });
});

test('echo replies made in place always carry the reference checksum', () => {
  fc.assert(fc.property(
    fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.uint8Array({ minLength: 16, maxLength: 16 }),
    fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffff }), fc.uint8Array({ maxLength: 300 }),
    (source, destination, identifier, sequence, data) => {
      const p = buildEchoRequest({ source, destination, identifier, sequence, data });
      assert.equal(storedChecksum(p), referenceIcmpv6Checksum(p));
      echoReplyInPlace(p);
      assert.equal(storedChecksum(p), referenceIcmpv6Checksum(p));
    }), { numRuns: 2000 });
});
