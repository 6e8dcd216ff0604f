import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes } from '../../src/util/errors.js';
import { createCa, encodeChain, generateNodeKey, issueNodeCertificate } from '../../src/identity/index.js';
import { SeededRandom } from '../../src/util/random.js';
import { encodeRevocation } from '../../src/wire/routing-revocation.js';
import type { RoutingAction } from '../../src/routing/actions.js';
import { makeRouter, pkiFor, recordOf, recordsSentTo, sendsTo, T0, update } from './routing-fixtures.js';

const pki = pkiFor(11);
const [R, A, B, C, M] = ['self', 'alpha', 'bravo', 'charlie', 'mallory'].map((n) => pki.issue(n)) as [
  ReturnType<typeof pki.issue>, ReturnType<typeof pki.issue>, ReturnType<typeof pki.issue>, ReturnType<typeof pki.issue>, ReturnType<typeof pki.issue>,
];

/** R linked to A and B; A and B have announced their links (A–R, A–C, B–R). */
function setup() {
  const r = makeRouter(pki, R);
  r.linkUp(A.idText, T0, { cost: 1 });
  r.linkUp(B.idText, T0, { cost: 1 });
  r.receive(A.idText, update(recordOf(A, { sequence: 1, neighbours: [{ id: R.idText, cost: 1 }, { id: C.idText, cost: 1 }] })), T0);
  r.receive(B.idText, update(recordOf(B, { sequence: 1, neighbours: [{ id: R.idText, cost: 1 }] })), T0);
  return r;
}

const cRecord = (sequence: number) => recordOf(C, { sequence, neighbours: [{ id: A.idText, cost: 1 }] });

function rejected(actions: RoutingAction[]): string[] {
  return actions.flatMap((a) => (a.type === 'rejected' ? [a.code] : []));
}

test('control: a valid record is stored, forwarded to the other neighbour, and routed to', () => {
  const r = setup();
  const out = r.receive(A.idText, update(cRecord(1)), T0 + 1);
  assert.deepEqual(rejected(out), []);
  assert.deepEqual(recordsSentTo(out, B.idText), [{ origin: C.idText, sequence: 1 }]);
  assert.equal(recordsSentTo(out, A.idText).length, 0, 'never echoed to the sender');
  assert.equal(r.route(C.idText)?.nextHop, A.idText);
  assert.equal(r.route(C.idText)?.hops, 2);
});

test('a forged record (bad signature) is rejected, not forwarded, not in the graph', () => {
  const r = setup();
  const forged = cRecord(1);
  forged[forged.length - 1]! ^= 0x01;
  const out = r.receive(A.idText, update(forged), T0 + 1);
  assert.deepEqual(rejected(out), [ErrorCodes.ROUTING_BAD_SIGNATURE]);
  assert.equal(recordsSentTo(out, B.idText).length, 0);
  assert.equal(r.recordSequences().has(C.idText), false);
  assert.equal(r.route(C.idText), undefined);
});

test('a record signed by someone else in the origin\'s name is rejected', () => {
  const r = setup();
  const out = r.receive(A.idText, update(recordOf(M, { sequence: 1, origin: C.idText, neighbours: [{ id: A.idText, cost: 1 }] })), T0 + 1);
  assert.deepEqual(rejected(out), [ErrorCodes.ROUTING_ORIGIN_MISMATCH]);
  const stolenChain = recordOf(M, { sequence: 1, origin: C.idText, chain: C.chain, neighbours: [{ id: A.idText, cost: 1 }] });
  assert.deepEqual(rejected(r.receive(A.idText, update(stolenChain), T0 + 1)), [ErrorCodes.ROUTING_BAD_SIGNATURE]);
  assert.equal(r.route(C.idText), undefined);
});

test('a record from an untrusted CA (same cluster) or another cluster is rejected, not forwarded, not in the graph', () => {
  // A second CA of the same cluster (a rotation this node was not told about).
  const key = generateNodeKey(new SeededRandom(4242));
  const rogueCa = { key, certificate: createCa({ key, nowMs: T0, rotateFrom: pki.ca.certificate }) };
  const strangerKey = generateNodeKey(new SeededRandom(4343));
  const cert = issueNodeCertificate(rogueCa, { publicKey: strangerKey.signing.publicKey, name: 'stranger', nowMs: T0, days: 30 });
  const stranger = { idText: strangerKey.idText, name: 'stranger', publicKey: strangerKey.signing.publicKey, secretKey: strangerKey.signing.secretKey, chain: encodeChain([cert]) };
  const foreign = pkiFor(99).issue('foreigner');
  const r = setup();
  const out = r.receive(A.idText, update(
    recordOf(stranger, { sequence: 1, neighbours: [{ id: A.idText, cost: 1 }] }),
    recordOf(foreign, { sequence: 1, neighbours: [{ id: A.idText, cost: 1 }] }),
  ), T0 + 1);
  assert.deepEqual(rejected(out), [ErrorCodes.CERT_UNKNOWN_ISSUER, ErrorCodes.CERT_WRONG_CLUSTER]);
  assert.equal(recordsSentTo(out, B.idText).length, 0);
  assert.equal(r.recordSequences().has(stranger.idText), false);
  assert.equal(r.recordSequences().has(foreign.idText), false);
});

test('a revoked node: its stored record is purged when the list arrives, later records are rejected, the list floods on', () => {
  const r = setup();
  r.receive(A.idText, update(cRecord(1)), T0 + 1);
  assert.ok(r.route(C.idText));
  const list = pki.revoke([C.idText], T0);
  const issuer = pki.ca.key.idText;
  const out = r.receive(A.idText, encodeRevocation({ issuer, sequence: 1, list }), T0 + 2);
  const installed = out.find((a) => a.type === 'revocation-list');
  assert.ok(installed && installed.type === 'revocation-list' && installed.revoked.includes(C.idText));
  assert.deepEqual(sendsTo(out, B.idText).filter((m) => m.type === 'revocation').length, 1, 'forwarded to the other neighbour');
  assert.equal(sendsTo(out, A.idText).filter((m) => m.type === 'revocation').length, 0, 'not back to the sender');
  assert.equal(r.recordSequences().has(C.idText), false);
  const later = r.receive(A.idText, update(cRecord(2)), T0 + 3);
  assert.deepEqual(rejected(later), [ErrorCodes.CERT_REVOKED]);
  assert.equal(recordsSentTo(later, B.idText).length, 0);
  assert.equal(r.route(C.idText), undefined);
  const again = r.receive(B.idText, encodeRevocation({ issuer, sequence: 1, list }), T0 + 4);
  assert.equal(again.filter((a) => a.type === 'revocation-list').length, 0, 'the same list twice is a duplicate');
});

test('a revocation list from an unknown CA, or announced under another sequence, is refused and not flooded', () => {
  const r = setup();
  const other = pkiFor(98);
  const foreign = other.revoke([A.idText], T0);
  const out = r.receive(B.idText, encodeRevocation({ issuer: other.ca.key.idText, sequence: 1, list: foreign }), T0 + 1);
  assert.equal(rejected(out).length, 1);
  assert.equal(sendsTo(out, A.idText).filter((m) => m.type === 'revocation').length, 0);
  assert.ok(r.route(A.idText), 'nothing was revoked');
  const own = pkiFor(11);
  const list = own.revoke([A.idText], T0);
  const lied = r.receive(B.idText, encodeRevocation({ issuer: own.ca.key.idText, sequence: 7, list }), T0 + 2);
  assert.deepEqual(rejected(lied), [ErrorCodes.CERT_MALFORMED]);
});

test('a replayed older sequence is not stored or forwarded, and is answered with the newer record', () => {
  const r = setup();
  r.receive(A.idText, update(cRecord(5)), T0 + 1);
  const out = r.receive(B.idText, update(cRecord(3)), T0 + 2);
  assert.deepEqual(rejected(out), []);
  assert.equal(r.recordSequences().get(C.idText), 5);
  assert.deepEqual(recordsSentTo(out, A.idText), []);
  assert.deepEqual(recordsSentTo(out, B.idText), [{ origin: C.idText, sequence: 5 }], 'the sender gets ours');
  assert.equal(r.stats.recordsOlder, 1);
  const dup = r.receive(B.idText, update(cRecord(5)), T0 + 3);
  assert.deepEqual(recordsSentTo(dup, A.idText), [], 'a duplicate is not forwarded either');
});

test('a one-sided link claim adds no edge: no route through it, and nobody is reached by it', () => {
  const r = setup();
  // M claims links to R and to B; neither lists M.
  const out = r.receive(A.idText, update(recordOf(M, { sequence: 1, neighbours: [{ id: R.idText, cost: 1 }, { id: B.idText, cost: 1 }] })), T0 + 1);
  assert.deepEqual(rejected(out), []);
  assert.equal(r.route(M.idText), undefined, 'M is not reachable through links only it claims');
  // Now M really links to A (both list each other), but still claims a cheap link to B.
  r.receive(A.idText, update(recordOf(A, { sequence: 2, issuedAtMs: T0 + 1000, neighbours: [{ id: R.idText, cost: 1 }, { id: C.idText, cost: 1 }, { id: M.idText, cost: 9 }] })), T0 + 2);
  r.receive(A.idText, update(recordOf(M, { sequence: 2, issuedAtMs: T0 + 1000, neighbours: [{ id: A.idText, cost: 9 }, { id: B.idText, cost: 1 }] })), T0 + 2);
  const route = r.route(M.idText);
  assert.equal(route?.nextHop, A.idText);
  assert.equal(route?.cost, 10, 'the claimed cost-1 path via B is not used');
});

test('expired, future and over-long-lived records are rejected', () => {
  const r = setup();
  const expired = recordOf(C, { sequence: 1, issuedAtMs: T0 - 3_600_000, lifetimeMs: 3_600_000 });
  const future = recordOf(C, { sequence: 2, issuedAtMs: T0 + 3_600_000 });
  const tooLong = recordOf(C, { sequence: 3, lifetimeMs: 24 * 3_600_000 });
  assert.deepEqual(rejected(r.receive(A.idText, update(expired, future, tooLong), T0 + 1)),
    [ErrorCodes.ROUTING_EXPIRED, ErrorCodes.ROUTING_EXPIRED, ErrorCodes.ROUTING_LIMIT]);
  assert.equal(r.recordSequences().has(C.idText), false);
});

test('a malformed message is a protocol error for the daemon to act on, and changes nothing', () => {
  const r = setup();
  const before = r.recordSequences();
  const out = r.receive(A.idText, new Uint8Array([1, 1, 0, 1, 0]), T0 + 1);
  assert.equal(out.filter((a) => a.type === 'protocol-error').length, 1);
  assert.deepEqual(r.recordSequences(), before);
});

test('messages from a node that is not a neighbour are ignored', () => {
  const r = setup();
  const out = r.receive(C.idText, update(cRecord(1)), T0 + 1);
  assert.deepEqual(out.filter((a) => a.type !== 'wake'), []);
  assert.equal(r.recordSequences().has(C.idText), false);
});
