/**
 * The two packet pipelines (dataplane/send-pipeline.ts,
 * dataplane/receive-pipeline.ts) end to end between two nodes, over doubles
 * of their links: a packet read from TUN with TUN_READ_ROOM leaves the send
 * pipeline sealed over its own buffer, routed to the destination the
 * member stage found, and the receive pipeline writes it into the other
 * node's TUN; a packet for no member and one refused by the firewall never
 * reach a link.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sign } from '../../src/crypto/primitives.js';
import { AddressBook } from '../../src/dataplane/address-book.js';
import { addressOfNode, clusterPrefixBytes } from '../../src/dataplane/addressing.js';
import { Forwarder } from '../../src/dataplane/forwarding.js';
import { writeIpv6Header } from '../../src/dataplane/ipv6.js';
import { JoiningMemberHold } from '../../src/dataplane/joining-member-hold.js';
import type { LinkSink, MeshLink, PacketFilter } from '../../src/dataplane/ports.js';
import { ReceivePipeline } from '../../src/dataplane/receive-pipeline.js';
import { SendPipeline } from '../../src/dataplane/send-pipeline.js';
import { MemoryTun } from '../../src/dataplane/tun-memory.js';
import { BatchedTunWriter } from '../../src/dataplane/tun-writer.js';
import { UnreachableInbox } from '../../src/dataplane/unreachable-inbox.js';
import type { SessionManager } from '../../src/session/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { createLogger } from '../../src/util/log.js';
import { allocateWithRoom } from '../../src/wire/frame-room.js';
import { TUN_READ_ROOM } from '../../src/wire/packet-room.js';
import { TEST_CA, TEST_CLUSTER, makeTestNode, type TestNode } from './link-fixtures.js';
import { directoryOf, makeManager, T0 } from './session-fixtures.js';

const ALICE = makeTestNode('pa', 51, TEST_CA);
const BOB = makeTestNode('pb', 52, TEST_CA);
const UDP = 17;
const PAYLOAD_BYTES = 200;
const silent = createLogger({ level: 'silent' });

interface Side {
  node: TestNode;
  link: MeshLink;
  sessions: SessionManager;
  send: SendPipeline<MeshLink>;
  receive: ReceivePipeline<MeshLink>;
  tun: MemoryTun;
  /** What the send pipeline handed to its link. */
  sent: Array<{ link: MeshLink; bytes: Uint8Array; owned: boolean }>;
  routeLookups: string[];
}

function side(node: TestNode, peer: TestNode, firewall: PacketFilter, clock: ManualClock, deliver: (bytes: Uint8Array) => void): Side {
  const sessions = makeManager(node, directoryOf([ALICE, BOB]), T0);
  const link: MeshLink = { peer: { name: peer.name, idText: peer.identity.idText } };
  const sent: Side['sent'] = [];
  const routeLookups: string[] = [];
  const links: LinkSink<MeshLink> = {
    nextHop: (dest) => { routeLookups.push(dest); return dest === peer.identity.idText ? link : undefined; },
    send: (l, bytes, owned) => { sent.push({ link: l, bytes, owned }); deliver(owned ? bytes : new Uint8Array(bytes)); return true; },
  };
  const book = new AddressBook(TEST_CLUSTER);
  book.setMembers([peer.identity.id]);
  const address = addressOfNode(TEST_CLUSTER, node.identity.id);
  const forwarder = new Forwarder<MeshLink>({ localId: node.identity.id, routeLookup: (d) => links.nextHop(d), sign: (m) => sign(m, node.signing.secretKey), nowMs: 0 });
  const writer = new BatchedTunWriter();
  const tun = new MemoryTun();
  writer.attach(tun);
  const send = new SendPipeline<MeshLink>({
    sessions, forwarder, links, members: book, hold: new JoiningMemberHold(clusterPrefixBytes(TEST_CLUSTER), address.bytes, book),
    firewall, tun: writer, clock, log: silent, onHandshakeSent: () => {}, onSessionEvent: () => {},
  });
  send.setReadRoom(TUN_READ_ROOM);
  const receive = new ReceivePipeline<MeshLink>({
    forwarder, links, sessions, send, members: book, firewall, tun: writer, address, clusterId: TEST_CLUSTER, clock, log: silent,
    unreachables: new UnreachableInbox<string>({ localId: node.identity.id, lookupKey: () => undefined, sentRecently: () => false, nowMs: 0 }),
    onPayload: () => {}, onUnreachable: () => {},
  });
  return { node, link, sessions, send, receive, tun, sent, routeLookups };
}

/** A UDP packet from `from` to `to` as the TUN device reads it: TUN_READ_ROOM around it, in a batch-sized buffer. */
function tunRead(from: TestNode, to: TestNode, fill: number): Uint8Array {
  const packet = allocateWithRoom(40 + PAYLOAD_BYTES, TUN_READ_ROOM.headroom, TUN_READ_ROOM.tailroom);
  writeIpv6Header(packet, { payloadLength: PAYLOAD_BYTES, nextHeader: UDP, hopLimit: 64, source: addressOfNode(TEST_CLUSTER, from.identity.id).bytes, destination: addressOfNode(TEST_CLUSTER, to.identity.id).bytes });
  packet.fill(fill, 40);
  return packet;
}

const tick = () => new Promise((r) => setImmediate(r));

function pair(firewall: PacketFilter = { admitInbound: () => true, admitOutbound: () => true }): { a: Side; b: Side } {
  const clock = new ManualClock();
  // Each side's link hands what it sends to the other side's receive pipeline.
  const a: Side = side(ALICE, BOB, firewall, clock, (bytes) => b.receive.fromLink(b.link, bytes));
  const b: Side = side(BOB, ALICE, firewall, clock, (bytes) => a.receive.fromLink(a.link, bytes));
  return { a, b };
}

test('pipelines: a TUN read is sealed over its own buffer, routed to the member its address names, and written into the other TUN', async () => {
  const { a, b } = pair();
  a.send.fromTun([tunRead(ALICE, BOB, 1)]); // queued behind the handshake, which completes over the doubles
  await tick();
  assert.equal(b.tun.takeWritten().length, 1, 'the first packet arrives once the handshake is done');
  a.sent.length = 0;
  a.routeLookups.length = 0;

  const read = tunRead(ALICE, BOB, 2);
  const original = new Uint8Array(read);
  a.send.fromTun([read]);
  assert.equal(a.sent.length, 1);
  const out = a.sent[0]!;
  assert.equal(out.owned, true, 'given up to the link to frame in place');
  assert.equal(out.bytes.buffer, read.buffer, 'sealed over the read buffer, not a copy');
  assert.ok(out.bytes.byteOffset < read.byteOffset && out.bytes.byteOffset + out.bytes.byteLength > read.byteOffset + read.byteLength);
  assert.deepEqual(a.routeLookups, [BOB.identity.idText], 'routed to the destination the member stage found');
  await tick();
  const written = b.tun.takeWritten();
  assert.equal(written.length, 1);
  assert.deepEqual(new Uint8Array(written[0]!), original);
  assert.equal(a.send.counters.outSent, 2);
  assert.equal(b.receive.counters.inDelivered, 2);
});

test('pipelines: a packet for no member, one the firewall refuses, and one with a spoofed source go nowhere', async () => {
  const { a, b } = pair({ admitInbound: () => true, admitOutbound: (_to, p) => p[40] !== 0xff });
  a.send.fromTun([tunRead(ALICE, BOB, 1)]);
  await tick();
  b.tun.takeWritten();
  a.sent.length = 0;

  a.send.fromTun([tunRead(ALICE, ALICE, 3)]); // our own address: no member has it, nothing is held
  assert.equal(a.send.counters.outNoMember, 1);
  a.send.fromTun([tunRead(ALICE, BOB, 0xff)]);
  assert.equal(a.send.counters.outFiltered, 1);
  assert.equal(a.sent.length, 0, 'neither reached a link');

  a.send.fromTun([tunRead(BOB, BOB, 4)]); // alice claims bob's address as its source
  await tick();
  assert.equal(b.receive.counters.inSpoofed, 1);
  assert.equal(b.tun.takeWritten().length, 0);
});
