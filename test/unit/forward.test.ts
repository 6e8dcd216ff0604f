/** The pure forwarding decision and signed unreachables. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type ForwardDecision, Forwarder, type ForwarderOptions } from '../../src/dataplane/forwarding.js';
import { type LookupNodeKey, buildUnreachable, verifyUnreachable } from '../../src/dataplane/forward-unreachable.js';
import { sign } from '../../src/crypto/primitives.js';
import { BODY_BOUNDS, DATA_MIN_BODY_BYTES, PACKET_HOP_LIMIT_OFFSET, PACKET_TYPE_OFFSET, PacketType, UnreachableReason } from '../../src/wire/packet-constants.js';
import { destinationIdText, encodePacket, probeKey, readHeader, sourceIdText } from '../../src/wire/packet.js';
import { writeDataPrefix } from '../../src/wire/session-messages.js';
import { encodeUnreachableBody, unreachableSignedBytes } from '../../src/wire/packet-unreachable.js';
import { NODE_A, NODE_B, NODE_C, T0 } from './session-fixtures.js';
import type { TestNode } from './link-fixtures.js';

const A = NODE_A.identity;
const B = NODE_B.identity;
const C = NODE_C.identity;
const D_ID = new Uint8Array(16).fill(0xdd);
const D = Buffer.from(D_ID).toString('hex');

/** B's view: link 'la' to A, link 'lc' to C; D is beyond C. */
function relayB(routes: Record<string, string> = { [A.idText]: 'la', [C.idText]: 'lc', [D]: 'lc' }, overrides: Partial<ForwarderOptions<string>> = {}): Forwarder<string> {
  return new Forwarder<string>({
    localId: B.id,
    routeLookup: (id) => routes[id],
    sign: (m) => sign(m, NODE_B.signing.secretKey),
    nowMs: T0,
    ...overrides,
  });
}

function packet(from: Uint8Array, to: Uint8Array, hopLimit: number, type: number = PacketType.DATA, counter = 1): Uint8Array {
  const p = encodePacket({ type: type as 1, hopLimit, source: from, destination: to }, new Uint8Array(DATA_MIN_BODY_BYTES + 20));
  writeDataPrefix(p, 0x01020304, counter);
  return p;
}

const keys: LookupNodeKey = (id) => [NODE_A, NODE_B, NODE_C].find((n: TestNode) => n.identity.idText === id)?.identity.publicKey;

function unreachableOf(d: ForwardDecision<string>): Uint8Array {
  assert.equal(d.action, 'drop');
  assert.ok(d.action === 'drop' && d.unreachable, 'an unreachable was expected');
  return d.unreachable.bytes;
}

test('deliver: a packet addressed to us, any hop limit, untouched', () => {
  const f = relayB();
  const p = packet(A.id, B.id, 0);
  assert.deepEqual(f.decide(p, 'la', T0), { action: 'deliver', type: PacketType.DATA });
  assert.equal(p[PACKET_HOP_LIMIT_OFFSET], 0);
  assert.equal(f.counters.delivered, 1);
});

test('forward: to the next hop, hop limit decremented in place', () => {
  const f = relayB();
  const p = packet(A.id, D_ID, 64);
  assert.deepEqual(f.decide(p, 'la', T0), { action: 'forward', nextHop: 'lc' });
  assert.equal(readHeader(p).hopLimit, 63);
  assert.equal(f.counters.forwarded, 1);
});

test('hop limit 1 or 0 at a relay: dropped, and the source gets a signed hop-limit-exceeded it can verify', () => {
  for (const hopLimit of [1, 0]) {
    const f = relayB();
    const p = packet(A.id, D_ID, hopLimit);
    const d = f.decide(p, 'la', T0);
    assert.equal(d.action === 'drop' && d.reason, 'hop-limit-exceeded');
    assert.equal(d.action === 'drop' && d.unreachable?.nextHop, 'la', 'sent back along the route to A');
    const u = unreachableOf(d);
    assert.equal(sourceIdText(u), B.idText);
    const check = verifyUnreachable(u, A.id, keys);
    assert.ok(check.ok, JSON.stringify(check));
    assert.deepEqual(check.report, {
      relay: B.idText, reason: 'hop-limit-exceeded', droppedType: PacketType.DATA, droppedDestination: D,
      probeKey: probeKey(p), droppedHopLimit: hopLimit,
    });
    assert.equal(f.counters.drops['hop-limit-exceeded'], 1);
    assert.equal(f.counters.unreachablesSent, 1);
  }
});

test('no route: dropped with a signed no-route unreachable, rate-limited per source', () => {
  const f = relayB({ [A.idText]: 'la', [C.idText]: 'lc' });
  const sent: ForwardDecision<string>[] = [];
  for (let i = 0; i < 25; i++) sent.push(f.decide(packet(A.id, D_ID, 64, PacketType.DATA, i), 'la', T0));
  assert.ok(sent.every((d) => d.action === 'drop' && d.reason === 'no-route'));
  const withUnreachable = sent.filter((d) => d.action === 'drop' && d.unreachable !== undefined);
  assert.equal(withUnreachable.length, 10, 'the per-source burst');
  assert.equal(f.counters.unreachablesRateLimited, 15);
  const check = verifyUnreachable(unreachableOf(withUnreachable[0]!), A.id, keys);
  assert.ok(check.ok && check.report.reason === 'no-route');
  // Another source has its own budget; A's refills with time (5 per second).
  assert.ok(unreachableOf(f.decide(packet(C.id, D_ID, 64), 'lc', T0)));
  const later = [0, 1, 2, 3, 4, 5].map((i) => f.decide(packet(A.id, D_ID, 64, PacketType.DATA, 100 + i), 'la', T0 + 1_000));
  assert.equal(later.filter((d) => d.action === 'drop' && d.unreachable).length, 5);
});

test('never an unreachable in answer to an unreachable, nor without a route back', () => {
  const f = relayB({ [C.idText]: 'lc' });
  const u = buildUnreachable(C.id, (m) => sign(m, NODE_C.signing.secretKey), UnreachableReason.NO_ROUTE, packet(A.id, D_ID, 9));
  const d = f.decide(u, 'lc', T0); // to A, for whom B has no route
  assert.equal(d.action === 'drop' && d.reason, 'no-route');
  assert.equal(d.action === 'drop' && d.unreachable, undefined);
  const d2 = f.decide(packet(A.id, D_ID, 1), 'lc', T0);
  assert.equal(d2.action === 'drop' && d2.unreachable, undefined);
  assert.equal(f.counters.unreachablesUnroutable, 1);
  assert.equal(f.counters.unreachablesSent, 0);
});

test('loops, our own packets coming back and garbage are dropped silently', () => {
  const f = relayB();
  const loop = f.decide(packet(A.id, D_ID, 64), 'lc', T0); // came from C, route to D is via C
  assert.deepEqual(loop, { action: 'drop', reason: 'loop' });
  const own = f.decide(packet(B.id, D_ID, 64), 'la', T0);
  assert.deepEqual(own, { action: 'drop', reason: 'own-source' });
  const junk = f.decide(new Uint8Array([1, 2, 3]), 'la', T0);
  assert.equal(junk.action === 'drop' && junk.reason, 'malformed');
  assert.equal(junk.action === 'drop' && junk.unreachable, undefined);
  assert.deepEqual(f.counters.drops, { malformed: 1, 'own-source': 1, 'hop-limit-exceeded': 0, 'no-route': 0, loop: 1, 'unreachable-rate': 0 });
});

/** How the send pipeline originates a packet it built: with the destination and type it already knows. */
function originateBuilt(f: Forwarder<string>, packet: Uint8Array, replyLink?: string): ForwardDecision<string> {
  return f.originate(destinationIdText(packet), packet[PACKET_TYPE_OFFSET]!, replyLink);
}

test('originate: our own packets are routed without touching the hop limit; no route is a plain drop', () => {
  const f = relayB({ [D]: 'lc' });
  const p = packet(B.id, D_ID, 1);
  assert.deepEqual(originateBuilt(f, p), { action: 'forward', nextHop: 'lc' });
  assert.equal(readHeader(p).hopLimit, 1);
  assert.deepEqual(originateBuilt(f, packet(B.id, A.id, 64)), { action: 'drop', reason: 'no-route' });
  assert.deepEqual(originateBuilt(f, packet(B.id, B.id, 64)), { action: 'deliver', type: PacketType.DATA });
  assert.equal(f.counters.originated, 1);
});

test('originate: a handshake response with no route yet goes back on the link its init came in on; nothing else does', () => {
  const f = relayB({ [D]: 'lc' });
  const ofType = (type: number, to: Uint8Array): Uint8Array =>
    encodePacket({ type: type as 1, hopLimit: 64, source: B.id, destination: to }, new Uint8Array(BODY_BOUNDS[type as 1][0]));
  const response = ofType(PacketType.HANDSHAKE_RESPONSE, A.id);
  assert.deepEqual(originateBuilt(f, response, 'la'), { action: 'forward', nextHop: 'la' });
  assert.deepEqual(originateBuilt(f, response), { action: 'drop', reason: 'no-route' }, 'no link given: a plain drop');
  for (const type of [PacketType.DATA, PacketType.HANDSHAKE_INIT, PacketType.UNREACHABLE]) {
    assert.deepEqual(originateBuilt(f, ofType(type, A.id), 'la'), { action: 'drop', reason: 'no-route' }, `type ${type}`);
  }
  // With a route, the route wins over the arrival link.
  assert.deepEqual(originateBuilt(f, ofType(PacketType.HANDSHAKE_RESPONSE, D_ID), 'la'), { action: 'forward', nextHop: 'lc' });
  assert.equal(f.counters.originated, 2);
});

test('an unreachable is only believed when the relay\'s certified key signed it, about a packet we sent', () => {
  const dropped = packet(A.id, D_ID, 1);
  const good = buildUnreachable(B.id, (m) => sign(m, NODE_B.signing.secretKey), UnreachableReason.HOP_LIMIT_EXCEEDED, dropped);
  assert.ok(verifyUnreachable(good, A.id, keys).ok);
  // Every single flipped byte but the hop limit breaks it.
  for (let i = 0; i < good.byteLength; i++) {
    if (i === PACKET_HOP_LIMIT_OFFSET) continue;
    const bad = new Uint8Array(good);
    bad[i]! ^= 0x01;
    assert.ok(!verifyUnreachable(bad, A.id, keys).ok, `byte ${i}`);
  }
  const forged = buildUnreachable(B.id, (m) => sign(m, NODE_C.signing.secretKey), UnreachableReason.NO_ROUTE, dropped);
  assert.deepEqual(reasonOf(verifyUnreachable(forged, A.id, keys)), 'bad-signature');
  assert.deepEqual(reasonOf(verifyUnreachable(good, A.id, () => undefined)), 'unknown-relay');
  assert.deepEqual(reasonOf(verifyUnreachable(good, A.id, () => C.publicKey)), 'unknown-relay', 'a key that is not the relay id\'s');
  const toC = buildUnreachable(B.id, (m) => sign(m, NODE_B.signing.secretKey), UnreachableReason.NO_ROUTE, packet(C.id, D_ID, 1));
  assert.deepEqual(reasonOf(verifyUnreachable(toC, A.id, keys)), 'not-ours', 'addressed to C');
  // Validly signed by B, addressed to A, but quoting C's packet: A did not send it.
  const quoteOfC = packet(C.id, D_ID, 1).subarray(0, 64);
  const misdirected = encodePacket({ type: PacketType.UNREACHABLE, hopLimit: 64, source: B.id, destination: A.id },
    encodeUnreachableBody(UnreachableReason.NO_ROUTE, quoteOfC, new Uint8Array(64)));
  misdirected.set(sign(unreachableSignedBytes(misdirected, UnreachableReason.NO_ROUTE, quoteOfC), NODE_B.signing.secretKey), misdirected.byteLength - 64);
  assert.deepEqual(reasonOf(verifyUnreachable(misdirected, A.id, keys)), 'not-ours', 'quotes a packet from C');
  assert.deepEqual(reasonOf(verifyUnreachable(new Uint8Array(10), A.id, keys)), 'malformed');
  assert.ok(good.byteLength <= 36 + 2 + 64 + 64);
});

function reasonOf(c: ReturnType<typeof verifyUnreachable>): string {
  return c.ok ? 'ok' : c.reason;
}
