import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AddressBook } from '../../src/dataplane/address-book.js';
import { addressOfNode, clusterPrefix, clusterPrefixBytes, isInClusterPrefix, sourceMatchesPeer } from '../../src/dataplane/addressing.js';
import { buildEchoRequest } from '../../src/dataplane/icmpv6.js';
import { ipv6FromText, ipv6ToText } from '../../src/util/ipv6-text.js';
import { DEFAULT_TUN_MTU, MESH_MAX_IPV6_PACKET_BYTES, INNER_FRAMING_RESERVE_BYTES, checkTunMtu } from '../../src/dataplane/mtu.js';
import { clusterPrefixText } from '../../src/identity/cluster-id.js';
import { nodeIdFromPublicKey, nodeIdToText } from '../../src/identity/node-id.js';
import { LINK_PAYLOAD_MAX_BYTES } from '../../src/wire/link-constants.js';
import { DATA_PREFIX_BYTES, PACKET_HEADER_BYTES } from '../../src/wire/packet-constants.js';
import { AEAD_TAG_BYTES } from '../../src/crypto/primitives.js';
import { ErrorCodes, isSkeinError } from '../../src/util/errors.js';

const CLUSTER = new Uint8Array([0x12, 0x34, 0x56, 0x78, 0x9a]);
const id = (fill: number, tail: number[] = []) => {
  const b = new Uint8Array(16).fill(fill);
  b.set(tail, 16 - tail.length);
  return b;
};

test('a node address is fd || cluster id || the first 80 bits of the node id, in canonical text', () => {
  const nodeId = Uint8Array.from({ length: 16 }, (_, i) => i * 17);
  const a = addressOfNode(CLUSTER, nodeId);
  assert.deepEqual([...a.bytes.subarray(0, 6)], [0xfd, 0x12, 0x34, 0x56, 0x78, 0x9a]);
  assert.deepEqual([...a.bytes.subarray(6)], [...nodeId.subarray(0, 10)]);
  assert.equal(a.text, 'fd12:3456:789a:11:2233:4455:6677:8899');
  assert.equal(clusterPrefix(CLUSTER), clusterPrefixText(CLUSTER));
  assert.equal(`${ipv6ToText(new Uint8Array([...clusterPrefixBytes(CLUSTER), ...new Uint8Array(10)]))}/48`, clusterPrefix(CLUSTER));
  // The node id's first 20 hex digits can be read straight out of the address.
  assert.equal(a.text.split(':').slice(3).map((g) => g.padStart(4, '0')).join(''), nodeIdToText(nodeId).slice(0, 20));
});

test('addresses are derived from real keys and differ per key; prefix checks', () => {
  const a = addressOfNode(CLUSTER, nodeIdFromPublicKey(new Uint8Array(32).fill(1)));
  const b = addressOfNode(CLUSTER, nodeIdFromPublicKey(new Uint8Array(32).fill(2)));
  assert.notEqual(a.text, b.text);
  const prefix = clusterPrefixBytes(CLUSTER);
  assert.ok(isInClusterPrefix(prefix, a.bytes));
  assert.ok(!isInClusterPrefix(prefix, addressOfNode(new Uint8Array(5), id(1)).bytes));
  assert.ok(!isInClusterPrefix(prefix, new Uint8Array(8)));
  assert.throws(() => addressOfNode(CLUSTER, new Uint8Array(15)), RangeError);
  assert.throws(() => addressOfNode(new Uint8Array(4), id(1)), RangeError);
});

test('IPv6 text: canonical output agrees with the WHATWG URL serializer; parser round-trips', () => {
  fc.assert(fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.integer({ min: 0, max: 8 }), (raw, zeros) => {
    const bytes = raw.slice();
    bytes.fill(0, 16 - 2 * zeros); // make runs of zero groups common
    const text = ipv6ToText(bytes);
    assert.equal(`[${text}]`, new URL(`http://[${text}]/`).hostname);
    assert.deepEqual(ipv6FromText(text), bytes);
  }), { numRuns: 2000 });
  assert.equal(ipv6ToText(new Uint8Array(16)), '::');
  assert.equal(ipv6ToText(ipv6FromText('1:0:0:2:0:0:0:3')), '1:0:0:2::3');
  assert.equal(ipv6ToText(ipv6FromText('1:0:2:0:3:0:4:0')), '1:0:2:0:3:0:4:0');
  for (const bad of ['', '1::2::3', '12345::', 'g::', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', '::1.2.3.4']) {
    assert.throws(() => ipv6FromText(bad), (e: unknown) => isSkeinError(e, ErrorCodes.USAGE), bad);
  }
});

test('AddressBook: O(1) lookup from a packet destination, remove, setMembers, outside/short inputs', () => {
  const book = new AddressBook(CLUSTER);
  const ids = [id(1), id(2), id(3)];
  const addrs = ids.map((i) => book.add(i));
  assert.equal(book.size, 3);
  assert.equal(book.add(ids[0]!).text, addrs[0]!.text, 'idempotent');
  const packet = buildEchoRequest({ source: addrs[0]!.bytes, destination: addrs[2]!.bytes, identifier: 1, sequence: 1 });
  assert.equal(book.nodeAt(packet), nodeIdToText(ids[2]!));
  assert.equal(book.nodeAt(addrs[1]!.bytes, 0), nodeIdToText(ids[1]!));
  assert.equal(book.addressOf(nodeIdToText(ids[1]!))?.text, addrs[1]!.text);
  assert.equal(book.nodeAt(addressOfNode(new Uint8Array(5), ids[1]!).bytes, 0), undefined, 'other cluster');
  assert.equal(book.nodeAt(new Uint8Array(20)), undefined, 'too short');
  book.remove(nodeIdToText(ids[2]!));
  assert.equal(book.nodeAt(packet), undefined);
  book.setMembers([ids[1]!, id(9)]);
  assert.equal(book.size, 2);
  assert.equal(book.nodeAt(addrs[0]!.bytes, 0), undefined);
  assert.equal(book.nodeAt(addrs[1]!.bytes, 0), nodeIdToText(ids[1]!));
});

test('AddressBook: members sharing the 48-bit bucket key still resolve; a shared address resolves to neither, in any order', () => {
  const book = new AddressBook(CLUSTER);
  const x = id(7, [1]);
  const y = id(7, [2]); // same first 10 bytes as x: same address
  const z = new Uint8Array(16).fill(7);
  z[8] = 0x55; // same first 6 bytes of the interface part, different address
  const ax = book.add(x);
  book.add(z);
  assert.equal(book.nodeAt(ax.bytes, 0), nodeIdToText(x));
  assert.equal(book.nodeAt(addressOfNode(CLUSTER, z).bytes, 0), nodeIdToText(z));
  book.add(y);
  assert.equal(book.nodeAt(ax.bytes, 0), undefined);
  assert.deepEqual(book.conflicts(), [[nodeIdToText(x), nodeIdToText(y)].sort()]);
  const reversed = new AddressBook(CLUSTER);
  reversed.add(y);
  reversed.add(x);
  assert.equal(reversed.nodeAt(ax.bytes, 0), undefined);
  book.remove(nodeIdToText(y));
  assert.equal(book.nodeAt(ax.bytes, 0), nodeIdToText(x));
});

test('anti-spoofing: the inner source must be the session peer\'s address', () => {
  const peer = addressOfNode(CLUSTER, id(4));
  const other = addressOfNode(CLUSTER, id(5));
  const mine = addressOfNode(CLUSTER, id(6));
  const good = buildEchoRequest({ source: peer.bytes, destination: mine.bytes, identifier: 1, sequence: 1 });
  const spoofed = buildEchoRequest({ source: other.bytes, destination: mine.bytes, identifier: 1, sequence: 1 });
  assert.ok(sourceMatchesPeer(good, peer.bytes));
  assert.ok(!sourceMatchesPeer(spoofed, peer.bytes));
  assert.ok(!sourceMatchesPeer(good.subarray(0, 30), peer.bytes), 'truncated');
  const v4 = good.slice();
  v4[0] = 0x45;
  assert.ok(!sourceMatchesPeer(v4, peer.bytes), 'not IPv6');
});

test('MTU: the default IPv6 packet plus mesh header, session prefix, reserve and tag fits one link payload', () => {
  const overhead = PACKET_HEADER_BYTES + DATA_PREFIX_BYTES + INNER_FRAMING_RESERVE_BYTES + AEAD_TAG_BYTES;
  assert.equal(overhead, 80);
  assert.ok(DEFAULT_TUN_MTU + overhead <= LINK_PAYLOAD_MAX_BYTES);
  assert.ok(MESH_MAX_IPV6_PACKET_BYTES + overhead <= LINK_PAYLOAD_MAX_BYTES);
  assert.equal(checkTunMtu(1280), 1280);
  assert.equal(checkTunMtu(65_535), 65_535);
  for (const bad of [1279, 65_536, 1500.5, Number.NaN]) {
    assert.throws(() => checkTunMtu(bad), (e: unknown) => isSkeinError(e, ErrorCodes.CONFIG) && /dataplane\.mtu/.test(e.message));
  }
});
