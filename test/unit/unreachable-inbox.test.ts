/**
 * Unreachable reports against a member that replays or invents them
 * (src/dataplane/unreachable-inbox.ts, forwarding.ts): each attack in
 * virtual time, counted in signature checks and packets forwarded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sign } from '../../src/crypto/primitives.js';
import { buildUnreachable, type LookupNodeKey } from '../../src/dataplane/forward-unreachable.js';
import { DEFAULT_RELAYED_UNREACHABLE_RATE, Forwarder } from '../../src/dataplane/forwarding.js';
import { DEFAULT_UNREACHABLE_INBOX_LIMITS, UnreachableInbox } from '../../src/dataplane/unreachable-inbox.js';
import { ED25519_SIGNATURE_BYTES } from '../../src/crypto/primitives.js';
import { PacketType, UnreachableReason, DATA_COUNTER_OFFSET, DATA_RECEIVER_INDEX_OFFSET } from '../../src/wire/packet-constants.js';
import { readHeader } from '../../src/wire/packet.js';
import type { TestNode } from './link-fixtures.js';
import { NODE_A, NODE_B, NODE_C, T0, type TestMesh, establishedPair } from './session-fixtures.js';

const keys: LookupNodeKey = (id) => [NODE_A, NODE_B, NODE_C].find((n: TestNode) => n.identity.idText === id)?.identity.publicKey;
const { perLink } = DEFAULT_UNREACHABLE_INBOX_LIMITS;

/** A (with a session to B) and its inbox; `sent` are A's DATA packets to B as they left A. */
function setup(): { mesh: TestMesh; inbox: UnreachableInbox<string>; sent: Uint8Array[] } {
  const mesh = establishedPair();
  for (let i = 0; i < 5; i++) mesh.send(NODE_A, NODE_B, `m${i}`);
  mesh.pump();
  const a = mesh.station(NODE_A);
  const sent = mesh.wire.filter((w) => w.from === NODE_A.identity.idText && readHeader(w.bytes).type === PacketType.DATA).map((w) => w.bytes);
  const inbox = new UnreachableInbox<string>({ localId: NODE_A.identity.id, lookupKey: keys, sentRecently: (q) => a.mgr.sentRecently(q), nowMs: T0 });
  return { mesh, inbox, sent };
}

/** Relay C's genuine signed report that it dropped `dropped`. */
function reportByC(dropped: Uint8Array): Uint8Array {
  return buildUnreachable(NODE_C.identity.id, (m) => sign(m, NODE_C.signing.secretKey), UnreachableReason.NO_ROUTE, dropped);
}

test('one report replayed 2,000 times: accepted once, one signature check, the rest dropped as copies', () => {
  const { inbox, sent } = setup();
  const report = reportByC(sent.at(-1)!);
  let accepted = 0;
  for (let i = 0; i < 2_000; i++) if (inbox.receive(new Uint8Array(report), 'link-c', T0 + i).ok) accepted++;
  assert.equal(accepted, 1);
  assert.equal(inbox.counters.signatureChecks, 1);
  assert.equal(inbox.counters.drops.duplicate, 1_999);
});

test('a report quoting traffic we never sent costs no signature check', () => {
  const { inbox, sent } = setup();
  const notSent = new Uint8Array(sent.at(-1)!);
  notSent[DATA_COUNTER_OFFSET + 7]! += 50; // a counter A has not reached
  const otherIndex = new Uint8Array(sent.at(-1)!);
  otherIndex[DATA_RECEIVER_INDEX_OFFSET]! ^= 0xff; // a receiver index of no session of A's
  for (const dropped of [notSent, otherIndex]) {
    const r = inbox.receive(reportByC(dropped), 'link-c', T0);
    assert.ok(!r.ok && r.reason === 'not-sent');
  }
  assert.equal(inbox.counters.signatureChecks, 0);
});

test('an on-path relay inventing reports about real traffic (bad signatures) gets only its link\'s budget; other links are still served', () => {
  const { mesh, inbox, sent } = setup();
  for (let i = 0; i < 200; i++) mesh.send(NODE_A, NODE_B, `bulk ${i}`);
  mesh.pump();
  const data = mesh.wire.filter((w) => w.from === NODE_A.identity.idText && readHeader(w.bytes).type === PacketType.DATA).map((w) => w.bytes);
  let checksBefore = 0;
  for (const dropped of data) {
    const forged = reportByC(dropped);
    forged[forged.byteLength - ED25519_SIGNATURE_BYTES]! ^= 1;
    inbox.receive(forged, 'link-c', T0);
    checksBefore = inbox.counters.signatureChecks;
  }
  assert.equal(checksBefore, perLink.burst, `${data.length} forged reports, ${perLink.burst} signature checks`);
  assert.equal(inbox.counters.drops['bad-signature'], perLink.burst);
  const genuine = inbox.receive(reportByC(sent[0]!), 'link-b', T0);
  assert.ok(genuine.ok, 'a genuine report over another link is still checked and accepted');
  assert.ok(inbox.receive(reportByC(sent[1]!), 'link-c', T0 + 1_000).ok, 'and the busy link\'s budget refills');
});

test('a handshake init of ours is matched while it is pending, not after', () => {
  const mesh = establishedPair();
  const a = mesh.station(NODE_A);
  const inbox = new UnreachableInbox<string>({ localId: NODE_A.identity.id, lookupKey: keys, sentRecently: (q) => a.mgr.sentRecently(q), nowMs: T0 });
  mesh.send(NODE_A, NODE_C, 'to someone new');
  const init = mesh.queue.find((p) => readHeader(p.bytes).type === PacketType.HANDSHAKE_INIT)!.bytes;
  assert.ok(inbox.receive(reportByB(init), 'link-b', T0).ok);
  const old = new Uint8Array(init);
  old[40]! ^= 1;
  const r = inbox.receive(reportByB(old), 'link-b', T0);
  assert.ok(!r.ok && r.reason === 'not-sent', 'another init (not our pending one) matches nothing');
});

function reportByB(dropped: Uint8Array): Uint8Array {
  return buildUnreachable(NODE_B.identity.id, (m) => sign(m, NODE_B.signing.secretKey), UnreachableReason.NO_ROUTE, dropped);
}

test('a relay forwards unreachables at a bounded rate per arrival link; another link keeps its share', () => {
  const { sent } = setup();
  // Relay B between C (link 'lc', the replayer) and A; and another neighbour 'ld'.
  const relay = new Forwarder<string>({
    localId: NODE_B.identity.id, routeLookup: (id) => (id === NODE_A.identity.idText ? 'la' : undefined),
    sign: (m) => sign(m, NODE_B.signing.secretKey), nowMs: T0,
  });
  const report = reportByC(sent[0]!);
  let forwarded = 0;
  for (let i = 0; i < 2_000; i++) if (relay.decide(new Uint8Array(report), 'lc', T0).action === 'forward') forwarded++;
  assert.equal(forwarded, DEFAULT_RELAYED_UNREACHABLE_RATE.perLink.burst);
  assert.equal(relay.counters.drops['unreachable-rate'], 2_000 - forwarded);
  assert.equal(relay.decide(new Uint8Array(report), 'ld', T0).action, 'forward');
  assert.equal(relay.decide(new Uint8Array(report), 'lc', T0 + 1_000).action, 'forward', 'refilled a second later');
});
