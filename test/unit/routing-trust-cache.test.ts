import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes, isSkeinError } from '../../src/util/errors.js';
import { CachedChainVerifier, type ChainVerifier } from '../../src/routing/trust.js';
import { identityChainVerifier } from '../../src/routing/identity-trust.js';
import { SignatureMemo } from '../../src/sim/signature-memo.js';
import { decodeRecord } from '../../src/wire/routing-record.js';
import { pkiFor, recordOf, T0 } from './routing-fixtures.js';

const pki = pkiFor(71);
const node = pki.issue('cached');

function counting(inner: ChainVerifier): ChainVerifier & { calls: number } {
  const c = { calls: 0, verifyChain: (chain: Uint8Array, now: number) => { c.calls++; return inner.verifyChain(chain, now); } };
  return c;
}

test('chain verification is cached by chain bytes: identical chains verify once', () => {
  const inner = counting(identityChainVerifier(pki.anchors));
  const cache = new CachedChainVerifier(inner);
  for (let i = 0; i < 100; i++) assert.equal(cache.verifyChain(node.chain.slice(), T0 + i).idText, node.idText);
  assert.equal(inner.calls, 1);
  assert.equal(cache.hits, 99);
});

test('a different chain, or a time outside the chain\'s validity, goes to the real verifier', () => {
  const inner = counting(identityChainVerifier(pki.anchors));
  const cache = new CachedChainVerifier(inner);
  cache.verifyChain(node.chain, T0);
  const altered = node.chain.slice();
  altered[20]! ^= 1;
  assert.throws(() => cache.verifyChain(altered, T0), (e) => isSkeinError(e));
  const later = T0 + 40 * 86_400_000;
  assert.throws(() => cache.verifyChain(node.chain, later), (e) => isSkeinError(e, ErrorCodes.CERT_EXPIRED));
  assert.equal(inner.calls, 3);
});

test('the cache stays within its bound', () => {
  const cache = new CachedChainVerifier(identityChainVerifier(pki.anchors), 3);
  for (let i = 0; i < 6; i++) cache.verifyChain(pki.issue(`n${i}`).chain, T0);
  assert.equal(cache.size, 3);
});

test('the simulator\'s signature memo is exact: a hit needs identical signature, key and body', () => {
  const memo = new SignatureMemo();
  const d = decodeRecord(recordOf(node, { sequence: 1 }));
  assert.equal(memo.check(d.signature, d.signedBody, node.publicKey), true);
  assert.equal(memo.check(d.signature, d.signedBody, node.publicKey), true);
  assert.equal(memo.realChecks, 1);
  const body = d.signedBody.slice();
  body[body.length - 1]! ^= 1;
  assert.equal(memo.check(d.signature, body, node.publicKey), false);
  assert.equal(memo.check(d.signature, d.signedBody, pki.issue('other').publicKey), false);
  assert.equal(memo.realChecks, 3);
});
