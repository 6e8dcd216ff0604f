/**
 * The in-place packet path (wire/frame-room.ts): sealing over the caller's
 * bytes must give exactly what the copying path gives, must never touch
 * bytes outside the room it was promised, and a relay that re-seals a
 * received frame in place must deliver the same payload to the next hop.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TransportReceiver, TransportSender } from '../../src/crypto/transport.js';
import { SecureChannel } from '../../src/link/channel.js';
import { MemoryDuplex } from '../../src/link/memory-duplex.js';
import { SessionKeypair } from '../../src/session/keypair.js';
import { ManualClock } from '../../src/util/clock.js';
import { ErrorCodes, isSkeinError } from '../../src/util/errors.js';
import { allocateWithRoom, hasRoom } from '../../src/wire/frame-room.js';
import { FRAME_HEADROOM, FRAME_TAILROOM, SEAL_IN_PLACE_HEADROOM, SEAL_IN_PLACE_TAILROOM } from '../../src/wire/packet-room.js';
import { AEAD_TAG_BYTES } from '../../src/crypto/primitives.js';
import { ALICE, BOB, type TestNode, handshakeOptions, makeTestNode, TEST_CA } from './link-fixtures.js';
import { T0, directoryOf, makeManager } from './session-fixtures.js';

const KEY_A = new Uint8Array(32).fill(7);
const KEY_B = new Uint8Array(32).fill(9);
const CAROL = makeTestNode('carol', 3, TEST_CA);

/** Byte-for-byte equality, whatever view class (Buffer or Uint8Array) holds the bytes. */
function sameBytes(actual: Uint8Array, expected: Uint8Array, message?: string): void {
  assert.deepEqual(new Uint8Array(actual), new Uint8Array(expected), message);
}

function bytes(n: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);
}

test('transport: sealInPlace gives the bytes seal gives, and openInPlace recovers the plaintext', () => {
  const plaintext = bytes(1000, 1);
  const copied = new TransportSender(KEY_A).seal(plaintext);
  const message = new Uint8Array(plaintext.byteLength + AEAD_TAG_BYTES);
  message.set(plaintext);
  new TransportSender(KEY_A).sealInPlace(message);
  sameBytes(message, copied);
  const opened = new TransportReceiver(KEY_A).openInPlace(message);
  sameBytes(opened, plaintext);
  assert.equal(opened.buffer, message.buffer, 'a view, not a copy');
});

test('transport: openInPlace refuses every flipped byte, a replay and a wrong key, and stays failed', () => {
  const plaintext = bytes(64, 2);
  const sealOne = (key: Uint8Array): Uint8Array => {
    const m = new Uint8Array(plaintext.byteLength + AEAD_TAG_BYTES);
    m.set(plaintext);
    new TransportSender(key).sealInPlace(m);
    return m;
  };
  const good = sealOne(KEY_A);
  for (let i = 0; i < good.byteLength; i++) {
    const bad = new Uint8Array(good);
    bad[i]! ^= 0x40;
    assert.throws(() => new TransportReceiver(KEY_A).openInPlace(bad), (e) => isSkeinError(e, ErrorCodes.AUTH), `byte ${i}`);
  }
  assert.throws(() => new TransportReceiver(KEY_B).openInPlace(new Uint8Array(good)), (e) => isSkeinError(e, ErrorCodes.AUTH));
  const receiver = new TransportReceiver(KEY_A);
  receiver.openInPlace(new Uint8Array(good));
  assert.throws(() => receiver.openInPlace(new Uint8Array(good)), (e) => isSkeinError(e, ErrorCodes.AUTH), 'replayed counter');
  assert.throws(() => receiver.openInPlace(sealOne(KEY_A)), (e) => isSkeinError(e, ErrorCodes.AUTH), 'failed receivers stay failed');
  assert.throws(() => new TransportReceiver(KEY_A).openInPlace(new Uint8Array(AEAD_TAG_BYTES - 1)), (e) => isSkeinError(e, ErrorCodes.AUTH));
});

function keypairs(): [SessionKeypair, SessionKeypair] {
  const init = {
    localIndex: 1, remoteIndex: 2, sendKey: KEY_A, receiveKey: KEY_B, role: 'initiator' as const, createdAtMs: 0,
    localId: new Uint8Array(16).fill(1), peerId: new Uint8Array(16).fill(2), messageLimit: 1000,
  };
  return [new SessionKeypair(init), new SessionKeypair(init)];
}

test('session: sealing in place gives the bytes of the copying seal, over the plaintext\'s own buffer', () => {
  const [copying, inPlace] = keypairs();
  const plaintext = bytes(500, 3);
  const expected = copying.seal(plaintext, 64);
  assert.ok(hasRoom(expected), 'the copying seal leaves a frame\'s room too');
  const withRoom = allocateWithRoom(plaintext.byteLength, SEAL_IN_PLACE_HEADROOM, SEAL_IN_PLACE_TAILROOM);
  withRoom.set(plaintext);
  const packet = inPlace.seal(withRoom, 64, true);
  sameBytes(packet, expected);
  assert.equal(packet.buffer, withRoom.buffer, 'sealed over the given buffer');
  assert.ok(hasRoom(packet), 'the frame\'s room is left around the packet');
});

test('session: a plaintext without the room is copied, and bytes around it are never touched', () => {
  const [copying, inPlace] = keypairs();
  const shared = bytes(600, 4);
  const before = new Uint8Array(shared);
  const plaintext = shared.subarray(10, 510); // neighbours on both sides, but less room than sealing needs
  const packet = inPlace.seal(plaintext, 64, true);
  assert.notEqual(packet.buffer, shared.buffer);
  sameBytes(shared, before, 'nothing outside the plaintext changed');
  sameBytes(packet, copying.seal(new Uint8Array(plaintext), 64));
});

/** Two open channels over a memory wire, `left` initiating. */
async function openChannels(left: TestNode, right: TestNode, clock: ManualClock, duplex: { highWaterMark?: number } = {}): Promise<[SecureChannel, SecureChannel]> {
  const [ls, rs] = MemoryDuplex.pair(duplex);
  const r = new SecureChannel(rs, { ...handshakeOptions(right, 'responder'), clock });
  const l = new SecureChannel(ls, { ...handshakeOptions(left, 'initiator', { responderStaticKey: right.staticKeyPair.publicKey }), clock });
  await Promise.all([l.opened, r.opened]);
  return [l, r];
}

function nextMessage(channel: SecureChannel): Promise<[number, Uint8Array]> {
  return new Promise((resolve) => channel.once('message', (ch, data) => resolve([ch, data])));
}

test('link: sendOwned frames around the caller\'s buffer; a relay re-seals the received frame in place for the next hop', async () => {
  const clock = new ManualClock();
  const [aliceToBob, bobFromAlice] = await openChannels(ALICE, BOB, clock);
  const [bobToCarol, carolFromBob] = await openChannels(BOB, CAROL, clock);
  const payload = bytes(40_000, 5);
  const owned = allocateWithRoom(payload.byteLength);
  owned.set(payload);

  const atBob = nextMessage(bobFromAlice);
  assert.equal(aliceToBob.sendOwned(2, owned), true);
  const [channel, received] = await atBob;
  assert.equal(channel, 2);
  sameBytes(received, payload);
  assert.ok(hasRoom(received, FRAME_HEADROOM, FRAME_TAILROOM), 'a received payload keeps the frame\'s room');

  const atCarol = nextMessage(carolFromBob);
  const receivedBuffer = received.buffer;
  assert.equal(bobToCarol.sendOwned(3, received), true);
  const [forwardedChannel, forwarded] = await atCarol;
  assert.equal(forwardedChannel, 3);
  sameBytes(forwarded, payload);
  assert.notEqual(forwarded.buffer, receivedBuffer, 'each end owns what it reads');
  for (const c of [aliceToBob, bobFromAlice, bobToCarol, carolFromBob]) c.close();
});

test('link: sendOwned without room falls back to a copy and leaves the caller\'s buffer alone', async () => {
  const clock = new ManualClock();
  const [a, b] = await openChannels(ALICE, BOB, clock);
  const whole = bytes(100, 6);
  const before = new Uint8Array(whole);
  const atB = nextMessage(b);
  assert.equal(a.sendOwned(2, whole.subarray(2, 90)), true);
  const [, received] = await atB;
  sameBytes(received, before.subarray(2, 90));
  sameBytes(whole, before);
  a.close();
  b.close();
});

test('session: an in-place plaintext queued behind a handshake gets a buffer of its own (the read batch it came in is not kept)', () => {
  const alice = makeTestNode('qa', 11, TEST_CA);
  const bob = makeTestNode('qb', 12, TEST_CA);
  const dir = directoryOf([alice, bob]);
  const a = makeManager(alice, dir, T0);
  const b = makeManager(bob, dir, T0);
  // A "read batch": one packet with room in a much larger buffer.
  const batch = allocateWithRoom(8_000, SEAL_IN_PLACE_HEADROOM, SEAL_IN_PLACE_TAILROOM);
  const plaintext = batch.subarray(100, 600);
  const original = bytes(plaintext.byteLength, 7);
  plaintext.set(original);
  const init = a.send(bob.identity.idText, plaintext, T0, { inPlace: true });
  assert.equal(init.send.length, 1, 'a handshake goes out; the packet waits');
  batch.fill(0xee); // the batch's buffer is reused or freed: the queued packet must not care
  const response = b.receive(init.send[0]!.bytes, T0);
  const flushed = a.receive(response.send[0]!.bytes, T0);
  const data = flushed.send.find((p) => p.withRoom === true);
  assert.ok(data, 'the queued packet is sealed once the handshake ends');
  const delivered = b.receive(data.bytes, T0).deliver;
  assert.ok(delivered);
  sameBytes(delivered.plaintext, original);
});

test('link: a small frame queued under backpressure gets a buffer of its own', async () => {
  const clock = new ManualClock();
  const [a, b] = await openChannels(ALICE, BOB, clock, { highWaterMark: 16 });
  const received: Uint8Array[] = [];
  b.on('message', (_ch, data) => received.push(new Uint8Array(data)));
  const first = allocateWithRoom(1_000);
  first.fill(1);
  assert.equal(a.sendOwned(2, first), true); // fills the tiny stream buffer: the next one is queued
  const chunk = allocateWithRoom(60_000);
  const small = chunk.subarray(20, 120);
  small.fill(2);
  assert.equal(a.sendOwned(2, small), true);
  chunk.fill(9); // the chunk is reused before the queue drains
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(received.length, 2);
  sameBytes(received[1]!, new Uint8Array(100).fill(2));
  a.close();
  b.close();
});
