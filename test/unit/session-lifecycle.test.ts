/** Sessions over time, on an explicit clock: rekeying, expiry, restarts, revocation, retries, keepalives. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PacketType } from '../../src/wire/packet-constants.js';
import { readHeader } from '../../src/wire/packet.js';
import { DEFAULT_SESSION_LIMITS } from '../../src/session/limits.js';
import type { SessionEvent } from '../../src/session/types.js';
import { NODE_A, NODE_B, T0, TestMesh, directoryOf, establishedPair } from './session-fixtures.js';

const { rekeyAfterMs, rejectAfterMs, keepaliveMs, handshakeRetryMs, handshakeRetryJitterMs, handshakeFirstRetryMs, handshakeGiveUpMs } = DEFAULT_SESSION_LIMITS;
const A = NODE_A.identity.idText;
const B = NODE_B.identity.idText;

function inits(mesh: TestMesh, from?: string): number {
  return mesh.wire.filter((w) => readHeader(w.bytes).type === PacketType.HANDSHAKE_INIT && (from === undefined || w.from === from)).length;
}

function established(events: SessionEvent[]): Array<[string, boolean]> {
  return events.flatMap((e) => (e.type === 'established' ? [[e.role, e.rekey] as [string, boolean]] : []));
}

test('rekey by time: the initiator renews after rekeyAfterMs; a packet sealed under the old keys still arrives', () => {
  const mesh = establishedPair();
  mesh.advance(rekeyAfterMs + 1_000);
  const r = mesh.send(NODE_A, NODE_B, 'old keys');
  assert.deepEqual(r.send.map((p) => readHeader(p.bytes).type), [PacketType.DATA, PacketType.HANDSHAKE_INIT]);
  const held = mesh.queue.shift()!; // in flight on a slow path
  mesh.pump(); // init, response, A's confirming keepalive
  assert.deepEqual(established(mesh.station(NODE_A).events), [['initiator', false], ['initiator', true]]);
  assert.deepEqual(established(mesh.station(NODE_B).events), [['responder', false], ['responder', true]]);
  mesh.send(NODE_A, NODE_B, 'new keys');
  mesh.pump();
  mesh.queue.push(held);
  mesh.pump();
  assert.deepEqual(mesh.texts(NODE_B), ['hello', 'new keys', 'old keys']);
});

test('rekey by time over a long conversation loses nothing and keeps order', () => {
  const mesh = establishedPair();
  const sent: string[] = [];
  const replies: string[] = [];
  for (let i = 0; i < 60; i++) {
    mesh.advance(10_000);
    mesh.tickAll();
    sent.push(`m${i}`);
    replies.push(`r${i}`);
    mesh.send(NODE_A, NODE_B, `m${i}`);
    mesh.send(NODE_B, NODE_A, `r${i}`);
    mesh.pump();
  }
  assert.deepEqual(mesh.texts(NODE_B), ['hello', ...sent]);
  assert.deepEqual(mesh.texts(NODE_A), replies);
  const rekeys = established(mesh.station(NODE_A).events).filter(([, rekey]) => rekey).length;
  assert.ok(rekeys >= 4 && rekeys <= 6, `600 s of traffic rekeyed ${rekeys} times (every ~${rekeyAfterMs / 1000} s)`);
});

test('rekey by message count: a burst past the limit is queued, then delivered in order under new keys', () => {
  const mesh = establishedPair({ rekeyAfterMessages: 5, rejectAfterMessages: 8 });
  const texts = Array.from({ length: 40 }, (_, i) => `c${i}`);
  for (const t of texts.slice(0, 20)) mesh.send(NODE_A, NODE_B, t); // no pumping: keys run out mid-burst
  mesh.pump();
  for (const t of texts.slice(20)) {
    mesh.send(NODE_A, NODE_B, t);
    mesh.pump();
  }
  assert.deepEqual(mesh.texts(NODE_B), ['hello', ...texts]);
  assert.ok(mesh.station(NODE_A).mgr.counters().sessionsEstablished >= 6);
  assert.equal(mesh.station(NODE_B).mgr.counters().drops['auth-failed'], 0);
});

test('when only the responder talks, the initiator still renews before the keys expire', () => {
  const mesh = establishedPair();
  for (let i = 0; i < 50; i++) {
    mesh.advance(10_000);
    mesh.tickAll();
    mesh.send(NODE_B, NODE_A, `r${i}`);
    mesh.pump();
  }
  assert.equal(mesh.texts(NODE_A).length, 50);
  assert.equal(inits(mesh, B), 0, 'the responder never had to initiate');
  assert.ok(inits(mesh, A) >= 3);
});

test('idle keys expire after rejectAfterMs; the next send handshakes again; idle peers are forgotten', () => {
  const mesh = establishedPair();
  mesh.advance(rejectAfterMs);
  mesh.tickAll();
  assert.ok(!mesh.station(NODE_A).mgr.hasSession(B, mesh.now));
  assert.deepEqual(mesh.station(NODE_A).mgr.peers(mesh.now), []);
  mesh.send(NODE_A, NODE_B, 'again');
  mesh.pump();
  assert.deepEqual(mesh.texts(NODE_B), ['hello', 'again']);
  assert.equal(inits(mesh), 2);
});

test('peer restart (responder side): the first packet is lost, the restarted peer handshakes back, traffic resumes', () => {
  const mesh = establishedPair();
  mesh.advance(1_000);
  const b2 = mesh.restart(NODE_B);
  mesh.send(NODE_A, NODE_B, 'lost');
  mesh.pump(); // B2: unknown session -> init to A -> response -> B2's keepalive confirms
  assert.equal(b2.drops[0], 'unknown-session');
  assert.deepEqual(established(b2.events), [['initiator', false]]);
  assert.deepEqual(established(mesh.station(NODE_A).events), [['initiator', false], ['responder', true]]);
  mesh.send(NODE_A, NODE_B, 'after restart');
  mesh.send(NODE_B, NODE_A, 'b is back');
  mesh.pump();
  assert.deepEqual(mesh.texts(NODE_B), ['after restart']);
  assert.deepEqual(mesh.texts(NODE_A), ['b is back']);
});

test('peer restart (initiator side): its new init is newer, so it is accepted and nothing is lost', () => {
  const mesh = establishedPair();
  mesh.advance(1_000);
  mesh.restart(NODE_A);
  mesh.send(NODE_A, NODE_B, 'from the new a');
  mesh.pump();
  assert.deepEqual(mesh.texts(NODE_B), ['hello', 'from the new a']);
  assert.deepEqual(established(mesh.station(NODE_B).events), [['responder', false], ['responder', true]]);
  mesh.send(NODE_B, NODE_A, 'welcome back');
  mesh.pump();
  assert.deepEqual(mesh.texts(NODE_A), ['welcome back']);
});

test('a silent peer is detected: data unanswered for keepalive + retry time triggers a new handshake', () => {
  const mesh = establishedPair();
  mesh.intercept = () => null; // B's side of the path is dead
  mesh.send(NODE_A, NODE_B, 'into the void');
  mesh.pump();
  mesh.advance(keepaliveMs + handshakeRetryMs - 1);
  mesh.tick(NODE_A);
  assert.equal(inits(mesh, A), 1);
  mesh.advance(1);
  mesh.tick(NODE_A);
  assert.equal(inits(mesh, A), 2);
});

test('passive keepalive: data received and nothing to say for keepaliveMs -> one empty packet, never delivered', () => {
  const mesh = establishedPair();
  mesh.advance(keepaliveMs - 1);
  mesh.tick(NODE_B);
  assert.equal(mesh.queue.length, 0);
  mesh.advance(1);
  mesh.tick(NODE_B);
  mesh.pump();
  assert.equal(mesh.station(NODE_B).mgr.counters().keepalivesSent, 1);
  assert.equal(mesh.station(NODE_A).mgr.counters().keepalivesReceived, 1);
  assert.equal(mesh.texts(NODE_A).length, 0);
  mesh.advance(keepaliveMs);
  mesh.tickAll();
  assert.equal(mesh.queue.length, 0, 'a keepalive is not answered with a keepalive');
});

test(`a lost handshake is retried after ${handshakeFirstRetryMs} ms, then waits doubling up to the retry interval (with jitter), and given up after handshakeGiveUpMs`, () => {
  const mesh = new TestMesh(directoryOf([NODE_A, NODE_B]));
  const a = mesh.add(NODE_A);
  mesh.add(NODE_B);
  mesh.intercept = () => null;
  mesh.send(NODE_A, NODE_B, 'q1');
  mesh.send(NODE_A, NODE_B, 'q2');
  mesh.pump();
  let attempts = 1;
  for (let t = 0; t < handshakeGiveUpMs + handshakeRetryMs * 2; t += 100) {
    mesh.advance(100);
    mesh.tick(NODE_A);
    mesh.queue.length = 0;
    if (a.events.some((e) => e.type === 'closed')) break;
    attempts = inits(mesh);
  }
  // Attempts while the wait doubles from handshakeFirstRetryMs, then one per retry interval until the give-up time.
  const waits: number[] = [];
  for (let w = handshakeFirstRetryMs; w < handshakeRetryMs; w *= 2) waits.push(w);
  const rampMs = waits.reduce((x, y) => x + y, 0);
  const rampJitterMs = waits.reduce((x, w) => x + Math.floor((handshakeRetryJitterMs * w) / handshakeRetryMs), 0);
  const most = 1 + waits.length + Math.ceil((handshakeGiveUpMs - rampMs) / handshakeRetryMs);
  const least = 1 + waits.length + Math.floor((handshakeGiveUpMs - rampMs - rampJitterMs) / (handshakeRetryMs + handshakeRetryJitterMs));
  assert.ok(attempts >= least && attempts <= most + 1, `${attempts} attempts, expected ${least}..${most}`);
  assert.deepEqual(a.events.at(-1), { type: 'closed', peer: B, reason: 'handshake-timeout', droppedQueued: 2 });
  assert.equal(a.mgr.counters().drops['handshake-timeout'], 2);
  assert.ok(mesh.now - T0 >= handshakeGiveUpMs);
});

test(`the first retries of a lost handshake come after ${handshakeFirstRetryMs} ms and ${2 * handshakeFirstRetryMs} ms more (a relay without a route yet), not a whole interval; nextRetryAtMs says when`, () => {
  const mesh = new TestMesh(directoryOf([NODE_A, NODE_B]));
  mesh.add(NODE_A);
  mesh.add(NODE_B);
  mesh.intercept = () => null;
  mesh.send(NODE_A, NODE_B, 'q1');
  mesh.pump();
  const a = mesh.station(NODE_A);
  const at: number[] = [];
  const due: number[] = [a.mgr.nextRetryAtMs() - T0];
  let seen = inits(mesh);
  for (let t = 10; t <= 5 * handshakeFirstRetryMs; t += 10) {
    mesh.advance(10);
    mesh.tick(NODE_A);
    if (inits(mesh) > seen) {
      at.push(t);
      due.push(a.mgr.nextRetryAtMs() - T0);
    }
    seen = inits(mesh);
  }
  const j1 = Math.floor((handshakeRetryJitterMs * handshakeFirstRetryMs) / handshakeRetryMs);
  assert.equal(at.length, 2, `retries at ${at.join(', ')} ms`);
  assert.ok(at.every((t, i) => t >= due[i]! && t < due[i]! + 10), `retries at ${at.join(', ')} ms, due at ${due.join(', ')} ms`);
  assert.equal(mesh.station(NODE_B).mgr.nextRetryAtMs(), Infinity, 'no handshake of its own pending');
  assert.ok(at[0]! >= handshakeFirstRetryMs && at[0]! <= handshakeFirstRetryMs + j1 + 10, `first retry at ${at[0]} ms`);
  assert.ok(at[1]! - at[0]! >= 2 * handshakeFirstRetryMs && at[1]! - at[0]! <= 2 * handshakeFirstRetryMs + 2 * j1 + 10, `second after ${at[1]! - at[0]!} ms`);
});

test('revocation ends the session at once, and the revoked node cannot start a new one', () => {
  const mesh = establishedPair();
  const b = mesh.station(NODE_B);
  mesh.dir.revoked.add(A);
  const r = mesh.take(b, b.mgr.revoke(A));
  assert.deepEqual(r.events, [{ type: 'closed', peer: A, reason: 'revoked', droppedQueued: 0 }]);
  assert.ok(!b.mgr.hasSession(A, mesh.now));
  mesh.send(NODE_A, NODE_B, 'still there?');
  mesh.pump();
  assert.equal(b.drops.at(-1), 'unknown-session');
  assert.equal(mesh.queue.length, 0, 'no handshake offered to a revoked node');
  mesh.advance(keepaliveMs + handshakeRetryMs);
  mesh.tick(NODE_A); // A suspects a restart and handshakes: B's authenticator refuses the revoked chain
  mesh.pump();
  assert.equal(b.drops.at(-1), 'handshake-failed');
  assert.deepEqual(mesh.texts(NODE_B), ['hello']);
});

test('revoking a peer with packets queued drops them and says how many', () => {
  const mesh = new TestMesh(directoryOf([NODE_A, NODE_B]));
  const a = mesh.add(NODE_A);
  mesh.send(NODE_A, NODE_B, 'q1');
  mesh.send(NODE_A, NODE_B, 'q2');
  const r = a.mgr.revoke(B);
  assert.deepEqual(r.events, [{ type: 'closed', peer: B, reason: 'revoked', droppedQueued: 2 }]);
  assert.equal(a.mgr.counters().drops.closed, 2);
  assert.deepEqual(a.mgr.peers(mesh.now), []);
});

test('a session ends when the peer\'s certificate expires', () => {
  const mesh = new TestMesh(directoryOf([NODE_A, NODE_B], T0 + 60_000));
  mesh.add(NODE_A);
  mesh.add(NODE_B);
  mesh.send(NODE_A, NODE_B, 'hello');
  mesh.pump();
  mesh.advance(60_000);
  mesh.tickAll();
  assert.equal(mesh.station(NODE_A).events.filter((e) => e.type === 'closed').length, 0, 'valid through notAfter');
  mesh.advance(1);
  mesh.tickAll();
  for (const node of [NODE_A, NODE_B]) {
    const closed = mesh.station(node).events.filter((e) => e.type === 'closed');
    assert.equal(closed.length, 1, node.name);
    assert.equal(closed[0]!.type === 'closed' && closed[0]!.reason, 'certificate-expired');
  }
});

test('refresh (the peer has a new certificate) re-handshakes without interrupting traffic', () => {
  const mesh = establishedPair();
  const a = mesh.station(NODE_A);
  mesh.take(a, a.mgr.refresh(B, mesh.now));
  assert.equal(mesh.queue.length, 1);
  mesh.send(NODE_A, NODE_B, 'during');
  mesh.pump();
  assert.deepEqual(established(a.events), [['initiator', false], ['initiator', true]]);
  assert.deepEqual(mesh.texts(NODE_B), ['hello', 'during']);
});
