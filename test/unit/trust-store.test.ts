/**
 * The trust store: lists only move forward, a reload merges and never
 * forgets, a removed CA takes its lists with it, and a chain that verified
 * earlier is re-checked whole (node, intermediate, CA).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildTrustAnchors,
  issueRevocationList,
  nodeIdFromPublicKey,
  nodeIdToText,
  TrustStore,
  verifyNodeChain,
  type RevocationList,
  type TrustChange,
} from '../../src/identity/index.js';
import { ErrorCodes } from '../../src/util/errors.js';
import { DAY_MS, NOW, makeCa, makeIntermediate, makeNode } from './identity-fixtures.js';

const ca = makeCa('lab', 1);
const rotated = makeCa('lab', 2, ca.certificate);
const edge = makeIntermediate(ca, 3);
const direct = makeNode(ca, 10, 'web1');
const viaEdge = makeNode(edge, 11, 'web2');
const idOf = (key: { signing: { publicKey: Uint8Array } }) => nodeIdFromPublicKey(key.signing.publicKey);

function list(sequence: number, revoke: Uint8Array[], previous: RevocationList | null = null, signer = ca): RevocationList {
  const crl = issueRevocationList(signer, { previous, revoke, nowMs: NOW });
  assert.equal(crl.sequence, sequence);
  return crl;
}

function storeWithChanges(anchors = buildTrustAnchors([ca.certificate, rotated.certificate])): { store: TrustStore; changes: TrustChange[] } {
  const store = new TrustStore(anchors);
  const changes: TrustChange[] = [];
  store.onChange((c) => changes.push(c));
  return { store, changes };
}

test('a list is installed only when newer than the one held from its CA, and each install is one change', () => {
  const { store, changes } = storeWithChanges();
  const first = list(1, [idOf(direct.key)]);
  assert.equal(store.addList(first), true);
  assert.equal(store.addList(first), false, 'the same list again changes nothing');
  assert.equal(store.isRevoked(nodeIdToText(idOf(direct.key))), true);
  const second = list(2, [idOf(viaEdge.key)], first);
  assert.equal(store.addList(second), true);
  assert.equal(store.addList(first), false, 'an older list never replaces a newer one');
  assert.equal(store.isRevoked(nodeIdToText(idOf(viaEdge.key))), true);
  assert.equal(changes.length, 2);
  assert.deepEqual(changes.map((c) => c.kind === 'list' && c.sequence), [1, 2], 'one change per installed list, in order');
});

test('a list from an untrusted CA is refused and changes nothing', () => {
  const stranger = makeCa('lab', 9, ca.certificate); // same cluster, never trusted here
  const { store, changes } = storeWithChanges();
  assert.throws(() => store.addList(list(1, [idOf(direct.key)], null, stranger)), { code: ErrorCodes.CERT_UNKNOWN_ISSUER });
  assert.equal(store.isRevoked(nodeIdToText(idOf(direct.key))), false);
  assert.equal(changes.length, 0);
});

test('a reload merges the held lists with the configured ones: a learned list is not forgotten', () => {
  const { store } = storeWithChanges();
  const learned = list(1, [idOf(direct.key)]);
  store.addList(learned);
  // The config names no list at all (the operator never saw the learned one).
  const next = store.withCas([ca.certificate, rotated.certificate], []);
  store.replace(next);
  assert.equal(store.isRevoked(nodeIdToText(idOf(direct.key))), true);
  // An older list in the config does not roll it back either.
  const older = issueRevocationList(ca, { previous: null, revoke: [], nowMs: NOW - DAY_MS });
  store.replace(store.withCas([ca.certificate], [older]));
  assert.equal(store.isRevoked(nodeIdToText(idOf(direct.key))), true);
});

test('a CA removed by a reload stays removed, with its lists, and a list of it is refused afterwards', () => {
  const { store, changes } = storeWithChanges();
  const byRotated = list(1, [idOf(direct.key)], null, rotated);
  store.addList(byRotated);
  const change = store.replace(store.withCas([ca.certificate], []));
  assert.deepEqual(change, { kind: 'anchors', droppedCas: [nodeIdToText(idOf(rotated.key))], addedCas: [] });
  assert.equal(store.isTrustedCa(nodeIdToText(idOf(rotated.key))), false);
  assert.equal(store.anchors.revocations.length, 0, 'the removed CA\'s list went with it');
  assert.throws(() => store.addList(list(2, [], byRotated, rotated)), { code: ErrorCodes.CERT_UNKNOWN_ISSUER });
  assert.equal(store.isTrustedCa(nodeIdToText(idOf(rotated.key))), false);
  assert.equal(changes.length, 2);
});

test('a reload that changes nothing reports no change', () => {
  const { store, changes } = storeWithChanges();
  assert.equal(store.replace(store.withCas([ca.certificate, rotated.certificate], [])), undefined);
  assert.equal(changes.length, 0);
});

test('check re-verifies the whole chain: the node key, its intermediate, its CA, and the earliest expiry', () => {
  const { store } = storeWithChanges();
  const standing = verifyNodeChain(viaEdge.chainBytes, store.anchors, NOW).standing;
  assert.deepEqual(standing.keyIds, [viaEdge.key.idText, nodeIdToText(idOf(edge.key)), nodeIdToText(idOf(ca.key))]);
  assert.equal(store.check(standing, NOW), undefined);

  const revokesEdge = list(1, [idOf(edge.key)]);
  store.addList(revokesEdge);
  const loss = store.check(standing, NOW);
  assert.equal(loss?.code, ErrorCodes.CERT_REVOKED);
  assert.match(loss?.reason ?? '', /intermediate signer/);

  const other = new TrustStore(buildTrustAnchors([rotated.certificate, ca.certificate]));
  other.replace(other.withCas([rotated.certificate], []));
  assert.equal(other.check(standing, NOW)?.code, ErrorCodes.CERT_UNKNOWN_ISSUER);

  const fresh = new TrustStore(buildTrustAnchors([ca.certificate]));
  assert.equal(fresh.check(standing, standing.notAfterMs), undefined, 'valid through its last second');
  assert.equal(fresh.check(standing, standing.notAfterMs + 1)?.code, ErrorCodes.CERT_EXPIRED);
});

