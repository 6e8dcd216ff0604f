/**
 * Handshake budgets one member cannot spend for another (src/session/
 * handshake-budget.ts), each attack run in virtual time and shown failing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SESSION_LIMITS } from '../../src/session/limits.js';
import { PacketType, PACKET_SOURCE_OFFSET } from '../../src/wire/packet-constants.js';
import { readHeader } from '../../src/wire/packet.js';
import { NODE_A, NODE_B, NODE_C, TestMesh, directoryOf } from './session-fixtures.js';

const { handshakeRatePerSource, handshakeRatePerLink, handshakeRatePerProvenSource } = DEFAULT_SESSION_LIMITS;

/** C's genuine init to A, re-labelled as coming from B: what a hostile member can make at will. */
function junkClaimingB(mesh: TestMesh): Uint8Array {
  mesh.send(NODE_C, NODE_A, 'junk');
  const init = mesh.queue.splice(mesh.queue.findIndex((p) => readHeader(p.bytes).type === PacketType.HANDSHAKE_INIT), 1)[0]!;
  const junk = new Uint8Array(init.bytes);
  junk.set(NODE_B.identity.id, PACKET_SOURCE_OFFSET);
  return junk;
}

/** Deliver the queued packets, A's input arriving over `arrivalAtA`. */
function pumpVia(mesh: TestMesh, arrivalAtA: string): void {
  for (let i = 0; i < 100 && mesh.queue.length > 0; i++) {
    const p = mesh.queue.shift()!;
    const dest = mesh.stations.get(p.to)!;
    mesh.take(dest, dest.mgr.receive(p.bytes, mesh.now, p.to === NODE_A.identity.idText ? arrivalAtA : 'to-b'));
  }
}

test('junk inits claiming B over another link do not starve B\'s genuine init over its own path', () => {
  const mesh = new TestMesh(directoryOf([NODE_A, NODE_B, NODE_C]));
  const a = mesh.add(NODE_A);
  mesh.add(NODE_B);
  mesh.add(NODE_C);
  const junk = junkClaimingB(mesh);
  for (let i = 0; i < 40; i++) mesh.take(a, a.mgr.receive(new Uint8Array(junk), mesh.now, 'link-from-c'));
  const worked = 40 - a.mgr.counters().drops['rate-limited'];
  assert.equal(worked, handshakeRatePerSource.burst, 'junk naming B over one link: only the (link, B) burst is worked on');
  assert.equal(a.mgr.counters().drops['identity-mismatch'], worked, 'each one that was worked on failed authentication');
  mesh.send(NODE_B, NODE_A, 'genuine');
  pumpVia(mesh, 'link-from-b');
  assert.deepEqual(mesh.texts(NODE_A), ['genuine'], 'B\'s own init, over its real path, is answered at once');
  assert.equal(a.mgr.counters().handshakesResponded, 1);
});

test('one link\'s inits, whatever sources they claim, get at most that link\'s budget; another link is unaffected', () => {
  const mesh = new TestMesh(directoryOf([NODE_A, NODE_B, NODE_C]));
  const a = mesh.add(NODE_A);
  mesh.add(NODE_B);
  mesh.add(NODE_C);
  const junk = junkClaimingB(mesh);
  const floods = 3 * handshakeRatePerLink.burst;
  for (let i = 0; i < floods; i++) {
    const forged = new Uint8Array(junk);
    forged[PACKET_SOURCE_OFFSET] = i & 0xff; // a different claimed source each time
    forged[PACKET_SOURCE_OFFSET + 1] = i >> 8;
    mesh.take(a, a.mgr.receive(forged, mesh.now, 'link-from-c'));
  }
  const worked = floods - a.mgr.counters().drops['rate-limited'];
  assert.equal(worked, handshakeRatePerLink.burst, 'X25519 work for one link is capped by its burst');
  mesh.send(NODE_B, NODE_A, 'still served');
  pumpVia(mesh, 'link-from-b');
  assert.deepEqual(mesh.texts(NODE_A), ['still served']);
});

test('a member that handshakes too often is held back by its own (proven) budget, checked before any work', () => {
  const mesh = new TestMesh(directoryOf([NODE_A, NODE_B]));
  const a = mesh.add(NODE_A);
  let responded = 0;
  for (let i = 0; i < handshakeRatePerProvenSource.burst + 4; i++) {
    mesh.advance(1); // a fresh process each time: fresh, newer timestamps
    mesh.restart(NODE_B);
    mesh.queue.length = 0;
    mesh.send(NODE_B, NODE_A, `try ${i}`);
    const init = mesh.queue.shift()!;
    // Over a new link each time: no link budget is what stops it.
    mesh.take(a, a.mgr.receive(init.bytes, mesh.now, `link-${i}`));
    responded = a.mgr.counters().handshakesResponded;
  }
  assert.equal(responded, handshakeRatePerProvenSource.burst);
  assert.equal(a.mgr.counters().drops['rate-limited'], 4);
  mesh.advance(1_000);
  mesh.restart(NODE_B);
  mesh.queue.length = 0;
  mesh.send(NODE_B, NODE_A, 'later');
  mesh.take(a, a.mgr.receive(mesh.queue.shift()!.bytes, mesh.now, 'link-x'));
  assert.equal(a.mgr.counters().handshakesResponded, responded + 1, 'the member\'s budget refills');
});
