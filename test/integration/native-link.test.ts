/**
 * The native link (native/link.c, src/link/native-link.ts) over real TCP on
 * loopback, every test a differential check against the TypeScript
 * reference of the same transport: the other end of each connection is a
 * plain net.Socket driven by TransportSender/TransportReceiver and the link
 * framing (test/helpers/native-link-pair.ts).
 *
 *   sealing:    native send() == TransportSender, byte for byte on the wire
 *   opening:    what the reference seals comes up through onFrames intact,
 *               however the stream is cut; every forgery ends the link
 *   limits:     oversize length (refused before the body), message limit
 *   relay:      a transit DATA packet crosses node C in C (hop limit - 1,
 *               resealed for the next link); every other case goes up
 *   the socket: backpressure and drain, EOF both ways, destroy, release
 *
 * Needs no root: loopback TCP only. Skipped (with the reason) when the addon
 * is not built (`npm run build:native`).
 */
import test, { type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { AEAD_TAG_BYTES } from '../../src/crypto/primitives.js';
import { NODE_ID_BYTES } from '../../src/identity/node-id.js';
import { NativeLinks, NativeSendResult, type NativeLink, type NativeLinkEnd } from '../../src/link/native-link.js';
import { FrameDecoder } from '../../src/link/framing.js';
import { unsealedFrameFor } from '../../src/link/outbound.js';
import { ErrorCodes } from '../../src/util/errors.js';
import {
  FRAME_HEADER_BYTES,
  LINK_PAYLOAD_MAX_BYTES,
  LINK_PAYLOAD_OVERHEAD,
  LINK_PROTOCOL_VERSION,
  LinkCloseCode,
  LinkMessageType,
  MAX_FRAME_BYTES,
} from '../../src/wire/link-constants.js';
import { encodeClose, encodeEcho, encodePayload, encodePing, encodePong } from '../../src/wire/link-messages.js';
import { writeHeader } from '../../src/wire/packet.js';
import {
  DATA_MIN_BODY_BYTES,
  INIT_MIN_BODY_BYTES,
  MESH_PACKET_CHANNEL,
  MESH_PACKET_VERSION,
  PACKET_DESTINATION_OFFSET,
  PACKET_FLAGS_OFFSET,
  PACKET_HEADER_BYTES,
  PACKET_HOP_LIMIT_OFFSET,
  PACKET_SOURCE_OFFSET,
  PacketType,
  type PacketTypeNumber,
} from '../../src/wire/packet-constants.js';
import {
  LoopbackServer,
  type NativePair,
  ReceiverAt,
  SenderAt,
  sealFrame,
  settle,
  writeAll,
} from '../helpers/native-link-pair.js';
import { waitFor } from '../helpers/wait.js';
import { fuzzShortPass } from '../helpers/fuzz-short-pass.js';
import { nativeLinkTarget } from '../../fuzz/targets/native-link.js';
import { nativeTunTarget } from '../../fuzz/targets/native-tun.js';

const TEST_TIMEOUT_MS = 30_000;
/** 2^32 + 7: a counter whose nonce uses both 32-bit halves. */
const HIGH_COUNTER = 0x1_0000_0007;

/**
 * One test with its own NativeLinks (local id `localId`, random unless
 * given) and loopback server, both released/closed whatever happens.
 * Skipped with the reason when the addon does not load.
 */
function nativeTest(name: string, body: (links: NativeLinks, server: LoopbackServer, t: TestContext) => Promise<void>, localId: Uint8Array = randomBytes(NODE_ID_BYTES)): void {
  test(name, { timeout: TEST_TIMEOUT_MS }, async (t) => {
    const links = NativeLinks.load(localId);
    if (typeof links === 'string') {
      t.skip(links);
      return;
    }
    const server = await LoopbackServer.open();
    try {
      await body(links, server, t);
    } finally {
      await server.close();
      links.release();
    }
  });
}

// ---- messages -------------------------------------------------------------------

const filled = (n: number): Uint8Array => new Uint8Array(randomBytes(n));

/** The test's reference message sequence: a PING, PAYLOADs of 0, 1, 1000 and 65,000 bytes, a CLOSE. */
function messageSequence(): Uint8Array[] {
  return [
    encodePing({ challenge: 0x0123_4567_89ab_cdefn }),
    encodePayload(1, new Uint8Array(0)),
    encodePayload(1, filled(1)),
    encodePayload(MESH_PACKET_CHANNEL, filled(1000)),
    encodePayload(3, filled(65_000)),
    encodeClose({ code: LinkCloseCode.NORMAL, text: 'bye' }),
  ];
}

/** The reference's wire bytes for `messages` from a sender at `counter`. */
function referenceWire(key: Uint8Array, counter: number, messages: Uint8Array[]): Buffer {
  const sender = new SenderAt(key, counter);
  return Buffer.concat(messages.map((m) => sealFrame(sender, m)));
}

/** The reference's in-place path (Outbound.writeSealed): header, then sealInPlace over an unsealed frame. */
function referenceWireInPlace(key: Uint8Array, counter: number, messages: Uint8Array[]): Buffer {
  const sender = new SenderAt(key, counter);
  return Buffer.concat(messages.map((m) => {
    const frame = unsealedFrameFor(m);
    new DataView(frame.buffer).setUint32(0, frame.byteLength - FRAME_HEADER_BYTES);
    sender.sealInPlace(frame.subarray(FRAME_HEADER_BYTES));
    return frame;
  }));
}

function sendAll(link: NativeLink, messages: Uint8Array[]): void {
  for (const m of messages) {
    const result = link.send(unsealedFrameFor(m));
    assert.ok(result === NativeSendResult.SENT || result === NativeSendResult.BLOCKED, `send of a ${m.byteLength}-byte message returned ${result}`);
  }
}

const same = (actual: readonly Uint8Array[], expected: readonly Uint8Array[], what: string): void => {
  assert.equal(actual.length, expected.length, `${what}: count`);
  actual.forEach((a, i) => assert.ok(Buffer.from(a).equals(Buffer.from(expected[i]!)), `${what}: message ${i} (${a.byteLength} vs ${expected[i]!.byteLength} bytes) differs`));
};

function assertProtocolEnd(end: NativeLinkEnd | undefined, code: string, what: string): void {
  assert.ok(end !== undefined, `${what}: no onEnd`);
  assert.equal(end.kind, 'protocol', `${what}: end ${JSON.stringify(end)}`);
  assert.equal((end as { code: string }).code, code, `${what}: end ${JSON.stringify(end)}`);
}

// ---- mesh packets ---------------------------------------------------------------

interface PacketSpec {
  source: Uint8Array;
  destination: Uint8Array;
  hopLimit: number;
  type?: PacketTypeNumber;
  bodyBytes?: number;
  channel?: number;
  flags?: number;
  version?: number;
}

/** A PAYLOAD link message carrying one mesh packet (random body) built to `spec`. */
function meshMessage(spec: PacketSpec): Uint8Array {
  const packet = new Uint8Array(PACKET_HEADER_BYTES + (spec.bodyBytes ?? DATA_MIN_BODY_BYTES + 100));
  writeHeader(packet, { type: spec.type ?? PacketType.DATA, hopLimit: spec.hopLimit, source: spec.source, destination: spec.destination });
  packet.set(randomBytes(packet.byteLength - PACKET_HEADER_BYTES), PACKET_HEADER_BYTES);
  if (spec.flags !== undefined) packet[PACKET_FLAGS_OFFSET] = spec.flags;
  if (spec.version !== undefined) packet[0] = spec.version;
  return encodePayload(spec.channel ?? MESH_PACKET_CHANNEL, packet);
}

/** Where a mesh packet's hop limit sits inside its link message. */
const HOP_LIMIT_IN_MESSAGE = LINK_PAYLOAD_OVERHEAD + PACKET_HOP_LIMIT_OFFSET;

function withHopLimit(message: Uint8Array, hopLimit: number): Uint8Array {
  const out = new Uint8Array(message);
  out[HOP_LIMIT_IN_MESSAGE] = hopLimit;
  return out;
}

// ---- 0. layout -------------------------------------------------------------------

nativeTest('layout: the wire constants compiled into the addon are the TypeScript ones', async (links) => {
  const l = links.layout();
  assert.equal(l.frameHeaderBytes, FRAME_HEADER_BYTES);
  assert.equal(l.maxFrameBytes, MAX_FRAME_BYTES);
  assert.equal(l.linkProtocolVersion, LINK_PROTOCOL_VERSION);
  assert.equal(l.linkTypePayload, LinkMessageType.PAYLOAD);
  assert.equal(l.linkPayloadOverhead, LINK_PAYLOAD_OVERHEAD);
  assert.equal(l.meshPacketChannel, MESH_PACKET_CHANNEL);
  assert.equal(l.meshPacketVersion, MESH_PACKET_VERSION);
  assert.equal(l.packetTypeData, PacketType.DATA);
  assert.equal(l.packetSourceOffset, PACKET_SOURCE_OFFSET);
  assert.equal(l.packetDestinationOffset, PACKET_DESTINATION_OFFSET);
  assert.equal(l.packetHopLimitOffset, PACKET_HOP_LIMIT_OFFSET);
  assert.equal(l.packetHeaderBytes, PACKET_HEADER_BYTES);
  assert.equal(l.dataMinBodyBytes, DATA_MIN_BODY_BYTES);
  assert.ok(l.receiveBufferBytes >= FRAME_HEADER_BYTES + MAX_FRAME_BYTES, 'the receive buffer holds a whole frame');
});

// ---- 1. sealing: native send == TransportSender ---------------------------------

nativeTest('send: PING, PAYLOADs of 0/1/1000/65000 bytes and CLOSE sealed by native send are byte-identical on the wire to TransportSender, from counters 0, 5 and 2^32+7', async (links, server) => {
  for (const counter of [0, 5, HIGH_COUNTER]) {
    const pair = await server.nativePair(links, { sendCounter: counter });
    const messages = messageSequence();
    const expected = referenceWire(pair.sendKey, counter, messages);
    assert.ok(expected.equals(referenceWireInPlace(pair.sendKey, counter, messages)), 'the two TypeScript paths agree');
    sendAll(pair.link, messages);
    await pair.reader!.bytesAtLeast(expected.byteLength, `${expected.byteLength} wire bytes from counter ${counter}`);
    await settle(20);
    const wire = pair.reader!.raw;
    assert.equal(wire.byteLength, expected.byteLength, `counter ${counter}: wire length`);
    assert.ok(wire.equals(expected), `counter ${counter}: native wire bytes differ from TransportSender's`);
    same(pair.reader!.messages, messages, `counter ${counter}: opened by TransportReceiver`);
    const stats = pair.link.stats()!;
    assert.equal(stats.messagesSent, messages.length);
    assert.equal(stats.bytesSent, expected.byteLength);
    pair.link.destroy();
  }
});

// ---- 2. opening: TransportSender -> onFrames --------------------------------------

/** A sequence for the receive direction: the send sequence and a payload of the largest size a frame holds. */
const receiveSequence = (): Uint8Array[] => [...messageSequence().slice(0, -1), encodePayload(1, filled(LINK_PAYLOAD_MAX_BYTES)), encodeEcho({ echo: 42n })];

nativeTest('receive: frames sealed by TransportSender, one write each, come up through onFrames as exactly the plaintexts (u32 length || plaintext || 16 spare bytes)', async (links, server) => {
  const pair = await server.nativePair(links, { receiveCounter: 7 });
  const messages = receiveSequence();
  for (const m of messages) await writeAll(pair.peer, sealFrame(pair.toNative, m));
  await pair.recorder.messagesAtLeast(messages.length);
  await settle(20);
  same(pair.recorder.messages, messages, 'onFrames');
  for (const buffer of pair.recorder.buffers) {
    // Each frame's length is its sealed body: plaintext + tag.
    let at = 0;
    while (at < buffer.byteLength) at += FRAME_HEADER_BYTES + buffer.readUInt32BE(at);
    assert.equal(at, buffer.byteLength, 'frames fill the buffer exactly');
  }
  assert.equal(pair.recorder.ends.length, 0);
  const stats = pair.link.stats()!;
  assert.equal(stats.messagesReceived, messages.length);
});

nativeTest('receive: frames written one byte at a time arrive intact and in order', async (links, server) => {
  const pair = await server.nativePair(links, { receiveCounter: 3 });
  const messages = [encodePing({ challenge: 1n }), encodePayload(1, filled(1)), encodePayload(2, filled(40)), encodePong({ echo: 1n, challenge: 2n })];
  const wire = Buffer.concat(messages.map((m) => sealFrame(pair.toNative, m)));
  for (let i = 0; i < wire.byteLength; i++) {
    await writeAll(pair.peer, wire.subarray(i, i + 1));
    await new Promise((r) => setTimeout(r, 1));
  }
  await pair.recorder.messagesAtLeast(messages.length);
  same(pair.recorder.messages, messages, 'byte at a time');
  assert.equal(pair.recorder.ends.length, 0);
  assert.equal(pair.link.stats()!.bytesReceived, wire.byteLength);
});

nativeTest('receive: many frames in one write (300 small ones; then 60 of 60 KB, more than the receive buffer) arrive intact and in order', async (links, server) => {
  const pair = await server.nativePair(links, { receiveCounter: HIGH_COUNTER });
  const small = Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? encodePing({ challenge: BigInt(i) }) : encodePayload(i & 0xff, filled(i % 97))));
  await writeAll(pair.peer, Buffer.concat(small.map((m) => sealFrame(pair.toNative, m))));
  await pair.recorder.messagesAtLeast(small.length);
  const large = Array.from({ length: 60 }, () => encodePayload(2, filled(60_000)));
  const wire = Buffer.concat(large.map((m) => sealFrame(pair.toNative, m)));
  assert.ok(wire.byteLength > links.layout().receiveBufferBytes);
  await writeAll(pair.peer, wire);
  await pair.recorder.messagesAtLeast(small.length + large.length);
  await settle(20);
  same(pair.recorder.messages, [...small, ...large], 'one write');
  assert.equal(pair.recorder.ends.length, 0);
});

nativeTest('receive: leftover holding the first part of a frame (2 header bytes; the header; header and half the body) is completed by the bytes sent later', async (links, server) => {
  for (const cut of [2, FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + 500]) {
    const receiveKey = randomBytes(32);
    const sender = new SenderAt(receiveKey, 11);
    const first = encodePayload(1, filled(1000));
    const second = encodePing({ challenge: 9n });
    const firstFrame = sealFrame(sender, first);
    const secondFrame = sealFrame(sender, second);
    const pair = await server.nativePair(links, { receiveKey, receiveCounter: 11, leftover: firstFrame.subarray(0, cut) });
    await settle(20);
    assert.equal(pair.recorder.messages.length, 0, `cut ${cut}: nothing up before the rest of the frame`);
    await writeAll(pair.peer, firstFrame.subarray(cut));
    await pair.recorder.messagesAtLeast(1, `cut ${cut}: the first frame`);
    await writeAll(pair.peer, secondFrame);
    await pair.recorder.messagesAtLeast(2, `cut ${cut}: the second frame`);
    same(pair.recorder.messages, [first, second], `cut ${cut}`);
    assert.equal(pair.recorder.ends.length, 0);
    pair.link.destroy();
  }
});

// ---- 3. forgeries ------------------------------------------------------------------

/** The reference receiver over the same wire: the messages it opens and the error it stops at. */
function referenceOpen(wire: Uint8Array, key: Uint8Array, counter: number, messageLimit?: number): { messages: Uint8Array[]; code: string | null } {
  const receiver = new ReceiverAt(key, counter, messageLimit);
  const decoder = new FrameDecoder(MAX_FRAME_BYTES);
  const messages: Uint8Array[] = [];
  try {
    decoder.push(wire);
    for (let f = decoder.next(); f !== null; f = decoder.next()) messages.push(receiver.open(f));
  } catch (err) {
    return { messages, code: (err as { code?: string }).code ?? String(err) };
  }
  return { messages, code: null };
}

const sealAt = (key: Uint8Array, counter: number, m: Uint8Array): Uint8Array => sealFrame(new SenderAt(key, counter), m);

function flipped(frame: Uint8Array, index: number, bit: number): Uint8Array {
  const out = new Uint8Array(frame);
  out[index]! ^= bit;
  return out;
}

function rawFrame(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(FRAME_HEADER_BYTES + body.byteLength);
  new DataView(out.buffer).setUint32(0, body.byteLength);
  out.set(body, FRAME_HEADER_BYTES);
  return out;
}

/** Each forgery replaces what follows two honest frames f[0], f[1]; honest frames follow it in the same write. */
const FORGERIES: ReadonlyArray<{ name: string; frames: (f: Uint8Array[], key: Uint8Array, base: number, m: Uint8Array[]) => Uint8Array[] }> = [
  { name: 'a flipped ciphertext bit', frames: (f) => [flipped(f[2]!, FRAME_HEADER_BYTES + 1, 0x04), f[3]!] },
  { name: 'a flipped tag bit', frames: (f) => [flipped(f[2]!, f[2]!.byteLength - 1, 0x80), f[3]!] },
  { name: 'a replayed frame (the same frame twice)', frames: (f) => [f[1]!, f[2]!] },
  { name: 'a reordered pair', frames: (f) => [f[3]!, f[2]!] },
  { name: 'a frame sealed with the wrong key', frames: (_f, _key, base, m) => [sealAt(randomBytes(32), base + 2, m[2]!), sealAt(_key, base + 2, m[2]!)] },
  { name: 'a skipped counter', frames: (f) => [f[3]!, f[4]!] },
  { name: 'an empty frame body', frames: (f) => [rawFrame(new Uint8Array(0)), f[2]!] },
  { name: 'a body shorter than the tag', frames: (f) => [rawFrame(filled(AEAD_TAG_BYTES - 1)), f[2]!] },
];

for (const forgery of FORGERIES) {
  nativeTest(`forgery: ${forgery.name} ends the link with protocol SKEIN_ERR_AUTH; the frames before it come up, nothing after it`, async (links, server) => {
    const base = 20;
    const receiveKey = randomBytes(32);
    const m = [encodePing({ challenge: 1n }), encodePayload(2, filled(300)), encodePayload(1, filled(50)), encodePayload(1, filled(7)), encodeEcho({ echo: 3n })];
    const f = m.map((message, i) => sealAt(receiveKey, base + i, message));
    const wire = Buffer.concat([f[0]!, f[1]!, ...forgery.frames(f, receiveKey, base, m)]);
    const reference = referenceOpen(wire, receiveKey, base);
    assert.equal(reference.code, ErrorCodes.AUTH, 'the TypeScript receiver refuses it too');
    same(reference.messages, m.slice(0, 2), 'the TypeScript receiver');

    const pair = await server.nativePair(links, { receiveKey, receiveCounter: base });
    await writeAll(pair.peer, wire);
    const end = await pair.recorder.end();
    assertProtocolEnd(end, ErrorCodes.AUTH, forgery.name);
    assert.match(end.message, new RegExp(`message ${base + 2} failed authentication`));
    await settle(50);
    same(pair.recorder.messages, m.slice(0, 2), 'onFrames');
    assert.equal(pair.recorder.afterEnd, 0, 'nothing up after the end');
    assert.equal(pair.recorder.ends.length, 1, 'one end');
    assert.equal(pair.link.stats()!.messagesReceived, 2);
    // The link stopped reading: more honest frames change nothing.
    await writeAll(pair.peer, sealAt(receiveKey, base + 2, m[2]!));
    await settle(30);
    assert.equal(pair.recorder.messages.length, 2);
    assert.equal(pair.recorder.ends.length, 1);
  });
}

// ---- 4. oversize length -------------------------------------------------------------

nativeTest('oversize: a length header of MAX_FRAME_BYTES + 1 (and 2^32 - 1) is refused with SKEIN_ERR_FRAME_TOO_LARGE once its 4 bytes arrive, without the body; a frame of exactly MAX_FRAME_BYTES is accepted', async (links, server) => {
  for (const length of [MAX_FRAME_BYTES + 1, 0xffff_ffff]) {
    const pair = await server.nativePair(links);
    const largest = encodePayload(MESH_PACKET_CHANNEL, filled(LINK_PAYLOAD_MAX_BYTES));
    const frame = sealFrame(pair.toNative, largest);
    assert.equal(frame.byteLength, FRAME_HEADER_BYTES + MAX_FRAME_BYTES, 'the largest payload fills the largest frame');
    await writeAll(pair.peer, frame);
    await pair.recorder.messagesAtLeast(1, 'the largest frame');
    const header = new Uint8Array(FRAME_HEADER_BYTES);
    new DataView(header.buffer).setUint32(0, length);
    const reference = new FrameDecoder(MAX_FRAME_BYTES);
    reference.push(header);
    assert.throws(() => reference.next(), { code: ErrorCodes.FRAME_TOO_LARGE }, 'the TypeScript decoder refuses the header alone');
    // Only the header: no body follows.
    await writeAll(pair.peer, header.subarray(0, 3));
    await settle(20);
    assert.equal(pair.recorder.ends.length, 0, '3 bytes of a length are not yet a length');
    await writeAll(pair.peer, header.subarray(3));
    const end = await pair.recorder.end(`the refusal of a ${length}-byte length`);
    assertProtocolEnd(end, ErrorCodes.FRAME_TOO_LARGE, `length ${length}`);
    assert.match(end.message, new RegExp(`${length} bytes exceeds the maximum ${MAX_FRAME_BYTES}`));
    same(pair.recorder.messages, [largest], 'the frame before it');
    assert.equal(pair.link.stats()!.bytesReceived, frame.byteLength + FRAME_HEADER_BYTES);
    pair.link.destroy();
  }
});

// ---- 5. message limit ------------------------------------------------------------------

nativeTest('message limit 3: the 4th received frame ends the link with SKEIN_ERR_NONCE_EXHAUSTED (as TransportReceiver refuses it)', async (links, server) => {
  const receiveKey = randomBytes(32);
  const m = [0, 1, 2, 3, 4].map((i) => encodePayload(1, filled(10 + i)));
  const wire = Buffer.concat(m.map((message, i) => sealAt(receiveKey, i, message)));
  const reference = referenceOpen(wire, receiveKey, 0, 3);
  assert.equal(reference.code, ErrorCodes.NONCE_EXHAUSTED);
  same(reference.messages, m.slice(0, 3), 'the TypeScript receiver');

  const pair = await server.nativePair(links, { receiveKey, messageLimit: 3 });
  await writeAll(pair.peer, wire);
  const end = await pair.recorder.end();
  assertProtocolEnd(end, ErrorCodes.NONCE_EXHAUSTED, 'the 4th frame');
  assert.match(end.message, /message limit 3 reached/);
  await settle(30);
  same(pair.recorder.messages, m.slice(0, 3), 'onFrames');
  assert.equal(pair.recorder.afterEnd, 0);
});

nativeTest('message limit 3: send returns EXHAUSTED once 3 were sent (from counter 0, and from counter 1 after 2), and nothing more reaches the wire', async (links, server) => {
  for (const start of [0, 1]) {
    const pair = await server.nativePair(links, { sendCounter: start, messageLimit: 3 });
    const reference = new SenderAt(pair.sendKey, start, 3);
    const sent: Uint8Array[] = [];
    for (let i = start; i < 3; i++) {
      const message = encodePayload(1, filled(20));
      assert.equal(pair.link.send(unsealedFrameFor(message)), NativeSendResult.SENT, `send at counter ${i}`);
      reference.seal(message);
      sent.push(message);
    }
    assert.equal(pair.link.send(unsealedFrameFor(encodePing({ challenge: 1n }))), NativeSendResult.EXHAUSTED);
    assert.equal(pair.link.send(unsealedFrameFor(encodePing({ challenge: 2n }))), NativeSendResult.EXHAUSTED);
    assert.throws(() => reference.seal(encodePing({ challenge: 1n })), { code: ErrorCodes.NONCE_EXHAUSTED }, 'TransportSender stops at the same count');
    await pair.reader!.messagesAtLeast(sent.length);
    await settle(30);
    same(pair.reader!.messages, sent, `from counter ${start}`);
    assert.ok(pair.reader!.raw.equals(referenceWire(pair.sendKey, start, sent)));
    assert.equal(pair.link.stats()!.messagesSent, sent.length);
    pair.link.destroy();
  }
});

// ---- 6. transit relay ------------------------------------------------------------------

const LOCAL_C = new Uint8Array(randomBytes(NODE_ID_BYTES));
const SOURCE_S = new Uint8Array(randomBytes(NODE_ID_BYTES));
/** Routed to the B link. */
const DEST_D = new Uint8Array(randomBytes(NODE_ID_BYTES));
/** Routed back to the A link (the arrival link). */
const DEST_BACK = new Uint8Array(randomBytes(NODE_ID_BYTES));
/** In no route. */
const DEST_NONE = new Uint8Array(randomBytes(NODE_ID_BYTES));

nativeTest('relay: node C relays a transit DATA packet from its A link to its B link in C: the same bytes, hop limit 5 -> 4, sealed in B\'s counter sequence; A\'s onFrames never sees it; forwarded counts it. Every other case goes up to A\'s onFrames', async (links, server) => {
  const a = await server.nativePair(links, { receiveCounter: 3, sendCounter: 4 });
  const b = await server.nativePair(links, { sendCounter: 9, receiveCounter: 2 });
  links.routesFrom(() => [[DEST_D, b.link], [DEST_BACK, a.link]]);
  await nextTurn(); // the table is installed on setImmediate
  const atB: Uint8Array[] = [];

  // B's own sends and relayed packets share one counter sequence.
  const ping = encodePing({ challenge: 77n });
  assert.equal(b.link.send(unsealedFrameFor(ping)), NativeSendResult.SENT);
  atB.push(ping);

  const transit = meshMessage({ source: SOURCE_S, destination: DEST_D, hopLimit: 5, bodyBytes: DATA_MIN_BODY_BYTES });
  await writeAll(a.peer, sealFrame(a.toNative, transit));
  atB.push(withHopLimit(transit, 4));
  await b.reader!.messagesAtLeast(atB.length, 'the relayed packet at B');
  same(b.reader!.messages, atB, 'at B after the relay');
  assert.equal(links.counters().forwarded, 1);

  const pong = encodePong({ echo: 77n, challenge: 78n });
  assert.equal(b.link.send(unsealedFrameFor(pong)), NativeSendResult.SENT);
  atB.push(pong);
  await b.reader!.messagesAtLeast(atB.length, 'B\'s next own message');

  // Each of these must go up, unchanged, in order.
  const up: ReadonlyArray<[string, Uint8Array]> = [
    ['destination = local id', meshMessage({ source: SOURCE_S, destination: LOCAL_C, hopLimit: 5 })],
    ['source = local id', meshMessage({ source: LOCAL_C, destination: DEST_D, hopLimit: 5 })],
    ['hop limit 1', meshMessage({ source: SOURCE_S, destination: DEST_D, hopLimit: 1 })],
    ['hop limit 0', meshMessage({ source: SOURCE_S, destination: DEST_D, hopLimit: 0 })],
    ['no route for the destination', meshMessage({ source: SOURCE_S, destination: DEST_NONE, hopLimit: 5 })],
    ['route pointing back at the arrival link', meshMessage({ source: SOURCE_S, destination: DEST_BACK, hopLimit: 5 })],
    ['HANDSHAKE_INIT (type 2) of a valid size', meshMessage({ source: SOURCE_S, destination: DEST_D, hopLimit: 5, type: PacketType.HANDSHAKE_INIT, bodyBytes: INIT_MIN_BODY_BYTES })],
    ['payload on channel 1, not 2', meshMessage({ source: SOURCE_S, destination: DEST_D, hopLimit: 5, channel: 1 })],
    ['malformed: flags = 1', meshMessage({ source: SOURCE_S, destination: DEST_D, hopLimit: 5, flags: 1 })],
    ['malformed: mesh version 2', meshMessage({ source: SOURCE_S, destination: DEST_D, hopLimit: 5, version: MESH_PACKET_VERSION + 1 })],
    ['malformed: DATA body one byte short of 28', meshMessage({ source: SOURCE_S, destination: DEST_D, hopLimit: 5, bodyBytes: DATA_MIN_BODY_BYTES - 1 })],
    ['not a payload: a PING', encodePing({ challenge: 5n })],
  ];
  for (const [what, message] of up) {
    await writeAll(a.peer, sealFrame(a.toNative, message));
    await a.recorder.messagesAtLeast(a.recorder.messages.length + 1, `${what}: up to A's onFrames`);
    assert.ok(Buffer.from(a.recorder.messages.at(-1)!).equals(Buffer.from(message)), `${what}: came up unchanged`);
  }

  // A sentinel behind them on the same link (the largest DATA packet a frame holds): once it is at B,
  // every case above was decided, and none of them reached B.
  const sentinel = meshMessage({ source: SOURCE_S, destination: DEST_D, hopLimit: 64, bodyBytes: LINK_PAYLOAD_MAX_BYTES - PACKET_HEADER_BYTES });
  await writeAll(a.peer, sealFrame(a.toNative, sentinel));
  atB.push(withHopLimit(sentinel, 63));
  await b.reader!.messagesAtLeast(atB.length, 'the sentinel at B');
  await settle(30);
  same(b.reader!.messages, atB, 'at B');
  assert.ok(b.reader!.raw.equals(referenceWire(b.sendKey, b.sendCounter, atB)), 'B\'s wire bytes are TransportSender\'s for the same messages');
  same(a.recorder.messages, up.map(([, m]) => m), 'A\'s onFrames');
  assert.equal(b.recorder.messages.length, 0, 'nothing up at B');
  assert.equal(a.reader!.bytes, 0, 'nothing sent back to A');
  assert.deepEqual(links.counters(), { forwarded: 2, transitDropped: 0 });
  assert.equal(a.link.stats()!.messagesReceived, 2 + up.length);
  assert.equal(b.link.stats()!.messagesSent, atB.length);

  // A new table (D no longer routed) is installed by queueRouteRefresh: D's packets then go up.
  links.routesFrom(() => [[DEST_BACK, a.link]]);
  await nextTurn();
  const unrouted = meshMessage({ source: SOURCE_S, destination: DEST_D, hopLimit: 5 });
  await writeAll(a.peer, sealFrame(a.toNative, unrouted));
  await a.recorder.messagesAtLeast(up.length + 1, 'a packet for D after its route was removed');
  assert.ok(Buffer.from(a.recorder.messages.at(-1)!).equals(Buffer.from(unrouted)));
  assert.equal(links.counters().forwarded, 2);
}, LOCAL_C);

nativeTest('relay: a transit packet whose next hop\'s queue is full is dropped and counted (not sent, not up, no counter used); a next hop that is ending or destroyed takes none (they go up)', async (links, server) => {
  const a = await server.nativePair(links);
  const b = await server.nativePair(links, { sendCounter: 5, queueLimit: 64 });
  links.routesFrom(() => [[DEST_D, b.link]]);
  await nextTurn();
  const transit = meshMessage({ source: SOURCE_S, destination: DEST_D, hopLimit: 5 });
  await writeAll(a.peer, sealFrame(a.toNative, transit));
  await waitFor(() => links.counters().transitDropped === 1, { timeoutMs: 5_000, intervalMs: 2, what: 'the transit drop' });
  assert.equal(b.link.stats()!.transitDropped, 1);
  assert.equal(links.counters().forwarded, 0);
  await settle(30);
  assert.equal(a.recorder.messages.length, 0, 'a dropped transit packet does not go up');
  assert.equal(b.reader!.bytes, 0, 'nor out');
  // B's next message carries counter 5: the drop left no gap (the reader accepts only the next counter).
  const ping = encodePing({ challenge: 1n });
  assert.equal(b.link.send(unsealedFrameFor(ping)), NativeSendResult.SENT);
  await b.reader!.messagesAtLeast(1);
  same(b.reader!.messages, [ping], 'B after the drop');

  // A next hop that is ending (end() called) takes no transit packets: they go up.
  b.link.end();
  const toEnding = meshMessage({ source: SOURCE_S, destination: DEST_D, hopLimit: 5 });
  await writeAll(a.peer, sealFrame(a.toNative, toEnding));
  await a.recorder.messagesAtLeast(1, 'a packet routed to an ending link, up');
  // Nor does a destroyed one.
  b.link.destroy();
  const toDestroyed = meshMessage({ source: SOURCE_S, destination: DEST_D, hopLimit: 5 });
  await writeAll(a.peer, sealFrame(a.toNative, toDestroyed));
  await a.recorder.messagesAtLeast(2, 'a packet routed to a destroyed link, up');
  same(a.recorder.messages, [toEnding, toDestroyed], 'A\'s onFrames');
  assert.deepEqual(links.counters(), { forwarded: 0, transitDropped: 1 });
}, LOCAL_C);

// ---- 7. backpressure ---------------------------------------------------------------------

nativeTest('backpressure: with the peer not reading, 64 KB sends return BLOCKED; once it reads, onDrain is called and every byte arrives intact and in order', async (links, server, t) => {
  const pair = await server.nativePair(links, { sendCounter: 1 });
  pair.peer.pause();
  const base = filled(65_536);
  const payloadOf = (i: number): Uint8Array => {
    const data = new Uint8Array(base);
    new DataView(data.buffer).setUint32(0, i);
    return encodePayload(1, data);
  };
  const MAX_SENDS = 2000;
  let sent = 0;
  let blocked = false;
  const started = Date.now();
  while (sent < MAX_SENDS && Date.now() - started < 15_000) {
    const result = pair.link.send(unsealedFrameFor(payloadOf(sent)));
    assert.ok(result === NativeSendResult.SENT || result === NativeSendResult.BLOCKED, `send ${sent} returned ${result}`);
    sent++;
    if (result === NativeSendResult.BLOCKED) {
      blocked = true;
      break;
    }
    await nextTurn(); // the loop runs: the peer would read now if it were reading
  }
  assert.ok(blocked, `no BLOCKED within ${sent} sends`);
  t.diagnostic(`BLOCKED after ${sent} sends of 64 KiB`);
  assert.equal(pair.recorder.drains, 0, 'no drain while the peer does not read');
  assert.ok(pair.link.stats()!.queuedBytes >= links.layout().txHighWaterBytes);

  pair.peer.resume();
  await pair.reader!.messagesAtLeast(sent, `${sent} messages after resuming`, 20_000);
  await waitFor(() => pair.recorder.drains > 0, { timeoutMs: 5_000, intervalMs: 2, what: 'onDrain' });
  assert.equal(pair.recorder.drains, 1);
  assert.equal(pair.reader!.messages.length, sent);
  pair.reader!.messages.forEach((m, i) => assert.ok(Buffer.from(m).equals(Buffer.from(payloadOf(i))), `message ${i} differs`));
  const stats = pair.link.stats()!;
  assert.equal(stats.queuedBytes, 0);
  assert.equal(stats.bytesSent, pair.reader!.bytes);
  // Writable again.
  assert.equal(pair.link.send(unsealedFrameFor(encodePing({ challenge: 1n }))), NativeSendResult.SENT);
  await pair.reader!.messagesAtLeast(sent + 1);
});

// ---- 8. EOF ---------------------------------------------------------------------------------

nativeTest('EOF: the peer ends its socket -> onEnd kind eof, after the frame it sent just before', async (links, server) => {
  const pair = await server.nativePair(links);
  const message = encodePayload(1, filled(100));
  await writeAll(pair.peer, sealFrame(pair.toNative, message));
  pair.peer.end();
  const end = await pair.recorder.end();
  assert.equal(end.kind, 'eof', JSON.stringify(end));
  same(pair.recorder.messages, [message], 'before the EOF');
  await settle(20);
  assert.equal(pair.recorder.ends.length, 1);
  assert.equal(pair.recorder.afterEnd, 0);
});

nativeTest('EOF: end() on the native side flushes the queued bytes, then the peer sees EOF; sends after end() return CLOSED; reading goes on to the peer\'s EOF', async (links, server) => {
  const pair = await server.nativePair(links);
  pair.peer.pause();
  const messages: Uint8Array[] = [];
  for (let i = 0; i < 2000 && pair.link.stats()!.queuedBytes === 0; i++) {
    const m = encodePayload(1, filled(60_000));
    const result = pair.link.send(unsealedFrameFor(m));
    assert.ok(result <= NativeSendResult.BLOCKED, `send returned ${result}`);
    messages.push(m);
    await nextTurn();
  }
  assert.ok(pair.link.stats()!.queuedBytes > 0, 'bytes are queued in the native link');
  pair.link.end();
  assert.equal(pair.link.send(unsealedFrameFor(encodePing({ challenge: 1n }))), NativeSendResult.CLOSED);
  pair.peer.resume();
  await waitFor(() => pair.reader!.ended, { timeoutMs: 10_000, intervalMs: 5, what: 'EOF at the peer' });
  assert.equal(pair.reader!.messagesAtEnd, messages.length, 'every queued message arrived before the EOF');
  same(pair.reader!.messages, messages, 'flushed by end()');
  // The peer's own end (net.Socket ends its side on EOF) reaches the native link, which still reads.
  const end = await pair.recorder.end();
  assert.equal(end.kind, 'eof', JSON.stringify(end));
});

nativeTest('stream error: the peer resets the connection -> onEnd kind stream-error', async (links, server) => {
  const pair = await server.nativePair(links);
  pair.peer.resetAndDestroy();
  const end = await pair.recorder.end();
  assert.equal(end.kind, 'stream-error', JSON.stringify(end));
});

/*
 * libuv reports a socket error (the peer's RST) as a poll status, before the
 * handle is readable: the frames that came before it must still be read and
 * come up, as a net.Socket reads them on the TypeScript path.
 */
nativeTest('stream error: frames that arrive together with the peer\'s RST still come up before the end, and the end names the socket error (not EBADF)', async (links, server) => {
  const pair = await server.nativePair(links);
  const message = encodePayload(1, filled(100));
  pair.peer.write(sealFrame(pair.toNative, message));
  pair.peer.resetAndDestroy();
  const end = await pair.recorder.end();
  assert.equal(end.kind, 'stream-error', JSON.stringify(end));
  same(pair.recorder.messages, [message], 'the frame sent before the reset');
  assert.doesNotMatch(end.message, /Bad file descriptor/);
});

// ---- 9. destroy and release -------------------------------------------------------------

nativeTest('destroy(): the socket closes (the peer sees EOF and close) and later sends return CLOSED, in the wrapper and in the addon', async (links, server) => {
  const pair = await server.nativePair(links);
  const message = encodePing({ challenge: 1n });
  assert.equal(pair.link.send(unsealedFrameFor(message)), NativeSendResult.SENT);
  await pair.reader!.messagesAtLeast(1);
  const id = pair.link.id;
  pair.link.destroy();
  await waitFor(() => pair.reader!.closed, { timeoutMs: 5_000, intervalMs: 5, what: 'the peer to see the close' });
  assert.ok(pair.reader!.ended, 'an orderly EOF');
  assert.equal(pair.link.send(unsealedFrameFor(message)), NativeSendResult.CLOSED);
  assert.equal(links.addon.send(links.handle, id, unsealedFrameFor(message)), NativeSendResult.CLOSED, 'the addon itself refuses the destroyed id');
  assert.equal(pair.link.stats(), null);
  pair.link.destroy(); // idempotent
  pair.link.end(); // a no-op once destroyed
  await settle(20);
  assert.equal(pair.recorder.ends.length, 0, 'a destroyed link reports nothing');
  same(pair.reader!.messages, [message], 'at the peer');
});

nativeTest('release(): every native link\'s socket closes; nothing is reported after it', async (links, server) => {
  const pairs: NativePair[] = [await server.nativePair(links), await server.nativePair(links)];
  links.release();
  for (const [i, pair] of pairs.entries()) {
    await waitFor(() => pair.reader!.closed, { timeoutMs: 5_000, intervalMs: 5, what: `peer ${i} to see the close` });
    assert.ok(pair.reader!.ended);
  }
  await settle(20);
  for (const pair of pairs) assert.equal(pair.recorder.ends.length, 0);
  assert.deepEqual(links.counters(), { forwarded: 0, transitDropped: 0 });
});

test('fuzz short pass: native-link (the seeds, then mutated and generated streams, each checked against the TypeScript decoder)', () =>
  fuzzShortPass(nativeLinkTarget, /ping.*\|eof$/));

test('fuzz short pass: native-tun (the seeds, then mutated and generated TUN reads, each checked against the TypeScript send path)', () =>
  fuzzShortPass(nativeTunTarget, /^taken\|.*no-route/));
