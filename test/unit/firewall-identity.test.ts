/**
 * Where the firewall's groups come from: the verified certificate chain, on
 * both session paths (the responder's authenticator, the initiator's
 * routing record), limited by an intermediate's allowed groups.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TrustStore } from '../../src/identity/index.js';
import { x25519PublicFromEd25519 } from '../../src/crypto/primitives.js';
import { makePeerAuthenticator } from '../../src/node/identity.js';
import { identityChainVerifier } from '../../src/routing/identity-trust.js';
import { isSkeinError, ErrorCodes } from '../../src/util/errors.js';
import { NOW, makeCa, makeIntermediate, makeNode, trustOf } from './identity-fixtures.js';

test('both session paths see the groups of the verified chain', () => {
  const ca = makeCa();
  const node = makeNode(ca, 10, 'web1', { groups: ['web', 'admin'] });
  const authenticate = makePeerAuthenticator(new TrustStore(trustOf(ca)), () => NOW);
  const responderView = authenticate(node.chainBytes, x25519PublicFromEd25519(node.key.signing.publicKey));
  assert.deepEqual([...responderView.groups].sort(), ['admin', 'web']);
  const initiatorView = identityChainVerifier(trustOf(ca)).verifyChain(node.chainBytes, NOW);
  assert.deepEqual([...initiatorView.groups].sort(), ['admin', 'web']);
  assert.deepEqual(identityChainVerifier(trustOf(ca)).verifyChain(makeNode(ca, 11, 'plain').chainBytes, NOW).groups, []);
});

test('a node cannot claim a group its intermediate may not give: the chain does not verify, so no session and no rule match', () => {
  const ca = makeCa();
  const edge = makeIntermediate(ca, 20, { groups: ['web'] });
  const ok = makeNode(edge, 21, 'web2', { groups: ['web'] });
  assert.deepEqual(identityChainVerifier(trustOf(ca)).verifyChain(ok.chainBytes, NOW).groups, ['web']);
  // Issuing refuses it (and verification refuses such a chain, signed anyway: identity-verify.test.ts).
  assert.throws(() => makeNode(edge, 22, 'web3', { groups: ['admin'] }), (e) => isSkeinError(e, ErrorCodes.CERT_CONSTRAINT));
});
