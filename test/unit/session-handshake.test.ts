/** Session establishment through the manager: who gets a session, who does not, and why. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PacketType, PACKET_SOURCE_OFFSET, DEFAULT_HOP_LIMIT } from '../../src/wire/packet-constants.js';
import { readHeader } from '../../src/wire/packet.js';
import { OTHER_CA, makeTestNode } from './link-fixtures.js';
import { NODE_A, NODE_B, NODE_C, TestMesh, directoryOf, establishedPair } from './session-fixtures.js';

function typeOf(bytes: Uint8Array): number {
  return readHeader(bytes).type;
}

test('first send queues, handshakes, then delivers; both sides report the session', () => {
  const mesh = new TestMesh(directoryOf([NODE_A, NODE_B]));
  const a = mesh.add(NODE_A);
  const b = mesh.add(NODE_B);
  const r = mesh.send(NODE_A, NODE_B, 'hello');
  assert.equal(r.send.length, 1);
  assert.equal(typeOf(r.send[0]!.bytes), PacketType.HANDSHAKE_INIT);
  assert.equal(r.send[0]!.to, NODE_B.identity.idText);
  mesh.pump();
  assert.deepEqual(mesh.texts(NODE_B), ['hello']);
  assert.equal(b.delivered[0]!.from.idText, NODE_A.identity.idText);
  assert.equal(b.delivered[0]!.from.name, 'anna');
  assert.equal(b.delivered[0]!.hopLimit, DEFAULT_HOP_LIMIT);
  assert.deepEqual(mesh.wire.map((w) => typeOf(w.bytes)), [PacketType.HANDSHAKE_INIT, PacketType.HANDSHAKE_RESPONSE, PacketType.DATA]);
  assert.deepEqual(a.events.map((e) => e.type === 'established' && [e.role, e.rekey, e.peer.name]), [['initiator', false, 'bert']]);
  assert.deepEqual(b.events.map((e) => e.type === 'established' && [e.role, e.rekey, e.peer.name]), [['responder', false, 'anna']]);
  assert.ok(a.mgr.hasSession(NODE_B.identity.idText, mesh.now) && b.mgr.hasSession(NODE_A.identity.idText, mesh.now));
  // The other direction needs no new handshake.
  mesh.send(NODE_B, NODE_A, 'hi');
  mesh.pump();
  assert.deepEqual(mesh.texts(NODE_A), ['hi']);
  assert.equal(mesh.wire.length, 4);
  assert.equal(a.mgr.counters().handshakesInitiated + b.mgr.counters().handshakesInitiated, 1);
});

test('a relay sees ids, not payloads: neither data nor certificates appear in clear', () => {
  const mesh = establishedPair();
  const secret = 'the quick brown fox: a payload relays must never see';
  mesh.send(NODE_A, NODE_B, secret);
  mesh.send(NODE_B, NODE_A, secret);
  mesh.pump();
  const wire = Buffer.concat(mesh.wire.map((w) => w.bytes));
  for (const needle of [secret, 'hello', 'anna', 'bert', 'quick brown']) assert.equal(wire.indexOf(Buffer.from(needle)), -1, needle);
  assert.ok(wire.indexOf(Buffer.from(NODE_B.identity.id)) >= 0, 'ids are visible, as they must be for routing');
});

test('the hop limit of the sealed packet is the sender\'s choice and reaches the receiver', () => {
  const mesh = establishedPair();
  mesh.send(NODE_A, NODE_B, 'probe', 3);
  mesh.pump();
  assert.equal(mesh.station(NODE_B).delivered.at(-1)!.hopLimit, 3);
});

test('a member unknown to the routing database gets no handshake; its packet is dropped', () => {
  const mesh = new TestMesh(directoryOf([NODE_A]));
  const a = mesh.add(NODE_A);
  const r = mesh.send(NODE_A, NODE_B, 'x');
  assert.equal(r.send.length, 0);
  assert.equal(r.drop?.reason, 'unknown-peer');
  assert.equal(a.mgr.counters().drops['unknown-peer'], 1);
});

test('sending to ourselves, too much, or nothing', () => {
  const mesh = establishedPair();
  assert.equal(mesh.send(NODE_A, NODE_A, 'me').drop?.reason, 'to-self');
  assert.equal(mesh.send(NODE_A, NODE_B, new Uint8Array(70_000)).drop?.reason, 'too-large');
  assert.throws(() => mesh.send(NODE_A, NODE_B, new Uint8Array(0)), /empty plaintext/);
  assert.throws(() => mesh.station(NODE_A).mgr.send('not-an-id', new Uint8Array(1), mesh.now), /not a node id/);
});

test('an initiator certified by an unknown CA is refused without a response', () => {
  const mallory = makeTestNode('mallory', 66, OTHER_CA);
  const mesh = new TestMesh(directoryOf([mallory, NODE_B]));
  mesh.add(mallory);
  const b = mesh.add(NODE_B);
  mesh.send(mallory, NODE_B, 'let me in');
  mesh.pump();
  assert.equal(mesh.wire.length, 1, 'only the init went out');
  assert.deepEqual(b.drops, ['handshake-failed']);
  assert.equal(b.delivered.length, 0);
  assert.equal(b.mgr.counters().handshakesResponded, 0);
});

test('an init encrypted to the wrong key (a stale or forged directory entry) fails at the responder', () => {
  const dir = directoryOf([NODE_A, NODE_B, NODE_C]);
  dir.members.set(NODE_B.identity.idText, { ...NODE_B.identity, publicKey: NODE_C.identity.publicKey });
  const mesh = new TestMesh(dir);
  mesh.add(NODE_A);
  const b = mesh.add(NODE_B);
  mesh.send(NODE_A, NODE_B, 'x');
  mesh.pump();
  assert.deepEqual(b.drops, ['handshake-failed']);
});

test('a relay that re-labels an init\'s source is caught: the chain proves someone else', () => {
  const mesh = new TestMesh(directoryOf([NODE_A, NODE_B, NODE_C]));
  mesh.add(NODE_A);
  const b = mesh.add(NODE_B);
  mesh.intercept = (p) => {
    const bytes = new Uint8Array(p.bytes);
    if (typeOf(bytes) === PacketType.HANDSHAKE_INIT) bytes.set(NODE_C.identity.id, PACKET_SOURCE_OFFSET);
    return bytes;
  };
  mesh.send(NODE_A, NODE_B, 'x');
  mesh.pump();
  assert.deepEqual(b.drops, ['identity-mismatch']);
  assert.equal(b.mgr.counters().handshakesResponded, 0);
});

test('a replayed init is refused (timestamp not newer) and gets no response', () => {
  const mesh = establishedPair();
  const b = mesh.station(NODE_B);
  const init = mesh.wire.find((w) => typeOf(w.bytes) === PacketType.HANDSHAKE_INIT)!;
  const sentBefore = mesh.wire.length;
  mesh.advance(60_000);
  mesh.take(b, b.mgr.receive(new Uint8Array(init.bytes), mesh.now));
  assert.equal(b.drops.at(-1), 'handshake-replay');
  assert.equal(mesh.wire.length, sentBefore);
  assert.equal(b.mgr.counters().drops['handshake-replay'], 1);
});

test('a replayed init after the responder restarted is answered, but establishes nothing', () => {
  const mesh = establishedPair();
  const init = mesh.wire.find((w) => typeOf(w.bytes) === PacketType.HANDSHAKE_INIT)!;
  mesh.advance(1_000);
  const b2 = mesh.restart(NODE_B);
  mesh.take(b2, b2.mgr.receive(new Uint8Array(init.bytes), mesh.now));
  assert.equal(mesh.queue.length, 1, 'a response goes out');
  mesh.pump();
  // A has no handshake with that index any more: the response is dropped, no keys change anywhere.
  assert.equal(mesh.station(NODE_A).drops.at(-1), 'unknown-session');
  assert.equal(b2.events.length, 0);
  assert.ok(!b2.mgr.hasSession(NODE_A.identity.idText, mesh.now), 'unconfirmed keys are never used to send');
});

test('handshake inits are rate-limited per source', () => {
  const mesh = new TestMesh(directoryOf([NODE_A, NODE_B]));
  mesh.add(NODE_A);
  const b = mesh.add(NODE_B);
  mesh.send(NODE_A, NODE_B, 'x');
  const init = mesh.queue.shift()!;
  for (let i = 0; i < 20; i++) b.mgr.receive(new Uint8Array(init.bytes), mesh.now);
  const drops = b.mgr.counters().drops;
  assert.equal(b.mgr.counters().handshakesResponded, 1);
  assert.equal(drops['handshake-replay'], 7);
  assert.equal(drops['rate-limited'], 12);
  mesh.advance(10_000); // the bucket refills
  b.mgr.receive(new Uint8Array(init.bytes), mesh.now);
  assert.equal(b.mgr.counters().drops['handshake-replay'], 8);
});

test('both sides initiating at once still ends with working sessions both ways', () => {
  const mesh = new TestMesh(directoryOf([NODE_A, NODE_B]));
  mesh.add(NODE_A);
  mesh.add(NODE_B);
  mesh.send(NODE_A, NODE_B, 'from a');
  mesh.send(NODE_B, NODE_A, 'from b');
  mesh.pump();
  assert.deepEqual(mesh.texts(NODE_B), ['from a']);
  assert.deepEqual(mesh.texts(NODE_A), ['from b']);
  for (let i = 0; i < 5; i++) {
    mesh.send(NODE_A, NODE_B, `a${i}`);
    mesh.send(NODE_B, NODE_A, `b${i}`);
    mesh.pump();
  }
  assert.equal(mesh.texts(NODE_B).length, 6);
  assert.equal(mesh.texts(NODE_A).length, 6);
});

test('packets queued during the handshake are bounded: the oldest are dropped and counted', () => {
  const mesh = new TestMesh(directoryOf([NODE_A, NODE_B]), { maxQueuedPackets: 10 });
  const a = mesh.add(NODE_A);
  mesh.add(NODE_B);
  for (let i = 0; i < 25; i++) mesh.send(NODE_A, NODE_B, `m${i}`);
  assert.equal(a.mgr.counters().drops['queue-overflow'], 15);
  assert.equal(a.mgr.counters().handshakesInitiated, 1, 'one handshake, however many sends');
  mesh.pump();
  assert.deepEqual(mesh.texts(NODE_B), Array.from({ length: 10 }, (_, i) => `m${i + 15}`));
});
