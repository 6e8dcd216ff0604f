/** Sealed DATA packets against a hostile relay: tampering, replay, reordering. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DATA_CIPHERTEXT_OFFSET,
  DATA_COUNTER_OFFSET,
  DATA_RECEIVER_INDEX_OFFSET,
  PACKET_DESTINATION_OFFSET,
  PACKET_HOP_LIMIT_OFFSET,
  PACKET_SOURCE_OFFSET,
  PacketType,
} from '../../src/wire/packet-constants.js';
import { readHeader } from '../../src/wire/packet.js';
import { REPLAY_WINDOW } from '../../src/session/replay-window.js';
import type { SessionDropReason } from '../../src/session/types.js';
import { NODE_A, NODE_B, type TestMesh, establishedPair } from './session-fixtures.js';

/** Seal one packet from A to B and take it off the wire. */
function sealOne(mesh: TestMesh, text: string): Uint8Array {
  const r = mesh.send(NODE_A, NODE_B, text);
  assert.equal(r.send.length, 1);
  mesh.queue.length = 0;
  return new Uint8Array(r.send[0]!.bytes);
}

function receive(mesh: TestMesh, bytes: Uint8Array): SessionDropReason | 'delivered' {
  const b = mesh.station(NODE_B);
  const r = mesh.take(b, b.mgr.receive(bytes, mesh.now));
  if (r.deliver) return 'delivered';
  assert.ok(r.drop, 'neither delivered nor dropped');
  return r.drop.reason;
}

/** What flipping a byte at `offset` must lead to at the destination. */
function expectedFor(offset: number): SessionDropReason | 'delivered' {
  if (offset < PACKET_SOURCE_OFFSET) return 'malformed'; // version, type, flags: not a valid header
  if (offset < PACKET_DESTINATION_OFFSET) return 'auth-failed'; // source: not the session's peer (and in the AD)
  if (offset < PACKET_HOP_LIMIT_OFFSET) return 'not-for-us';
  if (offset === PACKET_HOP_LIMIT_OFFSET) return 'delivered'; // the one byte relays may change
  if (offset < DATA_COUNTER_OFFSET) return 'unknown-session'; // receiver index selects no key
  return 'auth-failed'; // counter (the nonce), ciphertext, tag
}

test('a relay flipping any single byte of a sealed packet: never delivered altered, auth failures counted', () => {
  const mesh = establishedPair();
  const template = sealOne(mesh, 'x'.repeat(40));
  let expectedAuthFailures = 0;
  for (let offset = 0; offset < template.byteLength; offset++) {
    const bytes = sealOne(mesh, 'x'.repeat(40));
    bytes[offset]! ^= 0x01;
    const want = expectedFor(offset);
    if (want === 'auth-failed') expectedAuthFailures++;
    assert.equal(receive(mesh, bytes), want, `byte ${offset}`);
  }
  const counters = mesh.station(NODE_B).mgr.counters();
  assert.equal(counters.drops['auth-failed'], expectedAuthFailures);
  assert.ok(expectedAuthFailures >= template.byteLength - DATA_RECEIVER_INDEX_OFFSET - 4);
  // The session survives the attack.
  assert.equal(receive(mesh, sealOne(mesh, 'still fine')), 'delivered');
  assert.equal(mesh.texts(NODE_B).at(-1), 'still fine');
});

test('retagging a DATA packet as another type, or moving it to another destination, does not get it delivered', () => {
  const mesh = establishedPair();
  const retagged = sealOne(mesh, 'payload');
  retagged[1] = PacketType.HANDSHAKE_INIT;
  assert.notEqual(receive(mesh, retagged), 'delivered');
  const truncated = sealOne(mesh, 'payload').subarray(0, DATA_CIPHERTEXT_OFFSET + 10);
  assert.equal(receive(mesh, truncated), 'malformed');
  assert.equal(readHeader(sealOne(mesh, 'ok')).type, PacketType.DATA);
});

test('a replayed packet is dropped and counted, immediately or much later', () => {
  const mesh = establishedPair();
  const p = sealOne(mesh, 'once');
  const copy = new Uint8Array(p);
  const later = new Uint8Array(p);
  assert.equal(receive(mesh, p), 'delivered');
  assert.equal(receive(mesh, copy), 'replay');
  mesh.advance(30_000);
  assert.equal(receive(mesh, later), 'replay');
  assert.equal(mesh.station(NODE_B).mgr.counters().drops.replay, 2);
  assert.deepEqual(mesh.texts(NODE_B), ['hello', 'once']);
});

test('reordering within the window is accepted; duplicates and too-old packets are not', () => {
  const mesh = establishedPair();
  const packets = Array.from({ length: 50 }, (_, i) => sealOne(mesh, `p${i}`));
  const order = [...packets.keys()].reverse();
  for (const i of order) assert.equal(receive(mesh, new Uint8Array(packets[i]!)), 'delivered', `p${i}`);
  for (const i of order) assert.equal(receive(mesh, new Uint8Array(packets[i]!)), 'replay', `dup p${i}`);
  // One old packet held back while a full window's worth goes by: it is then too old.
  const held = sealOne(mesh, 'held back');
  for (let i = 0; i < REPLAY_WINDOW + 1; i++) assert.equal(receive(mesh, sealOne(mesh, 'filler')), 'delivered');
  assert.equal(receive(mesh, held), 'replay');
});

test('a packet sealed for one session does not open in another (sessions A-B and B-A share nothing)', () => {
  const mesh = establishedPair();
  mesh.send(NODE_B, NODE_A, 'reverse');
  mesh.pump();
  const forB = sealOne(mesh, 'for b');
  // Deliver A's packet to A itself (as if a relay reflected it): wrong destination for A.
  const a = mesh.station(NODE_A);
  assert.equal(a.mgr.receive(forB, mesh.now).drop?.reason, 'not-for-us');
});

test('DATA for an unknown receiver index is dropped without a handshake while the session works', () => {
  const mesh = establishedPair();
  const p = sealOne(mesh, 'x');
  p[DATA_RECEIVER_INDEX_OFFSET]! ^= 0xff;
  const b = mesh.station(NODE_B);
  const r = b.mgr.receive(p, mesh.now);
  assert.equal(r.drop?.reason, 'unknown-session');
  assert.equal(r.send.length, 0, 'B has a working session with A: no re-handshake for a stray packet');
});
