import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CERT_SIGNATURE_DOMAIN,
  CRL_SIGNATURE_DOMAIN,
  type Certificate,
  type TrustAnchors,
  buildTrustAnchors,
  clusterPrefixText,
  encodeCertificate,
  encodeChain,
  encodeChainOfEncoded,
  issueRevocationList,
  verifyNodeChain,
} from '../../src/identity/index.js';
import { encodeCertificateBody, signCertificate } from '../../src/identity/certificate.js';
import { withDomain } from '../../src/identity/header.js';
import { sign } from '../../src/crypto/primitives.js';
import { ErrorCodes, isSkeinError, type ErrorCode } from '../../src/util/errors.js';
import { DAY_MS, NOW, makeCa, makeIntermediate, makeNode, plain, trustOf } from './identity-fixtures.js';

function rejects(chainBytes: Uint8Array, trust: TrustAnchors, expected: ErrorCode, nowMs = NOW, message?: RegExp): void {
  assert.throws(() => verifyNodeChain(chainBytes, trust, nowMs), (err: unknown) => {
    assert.ok(isSkeinError(err), `expected a SkeinError, got ${String(err)}`);
    assert.equal(err.code, expected, err.message);
    if (message) assert.match(err.message, message);
    return true;
  });
}

/** Re-sign a certificate after editing its body, as a key holder (honest or not) would. */
function resign(cert: Certificate, edit: Partial<Certificate>, secretKey: Uint8Array): Certificate {
  return signCertificate({ ...cert, ...edit }, secretKey);
}

test('a node signed by the CA verifies, and the result binds name, keys, groups and validity', () => {
  const ca = makeCa();
  const node = makeNode(ca, 2, 'web1', { groups: ['web'] });
  const v = verifyNodeChain(node.chainBytes, trustOf(ca), NOW);
  assert.equal(v.name, 'web1');
  assert.equal(v.idText, node.key.idText);
  assert.deepEqual(plain(v.publicKey), plain(node.key.signing.publicKey));
  assert.deepEqual(plain(v.dhPublicKey), plain(node.key.dh.publicKey));
  assert.deepEqual(v.groups, ['web']);
  assert.equal(v.notAfter, node.cert.notAfter * 1000);
  assert.deepEqual(plain(v.clusterId), plain(ca.certificate.clusterId));
  assert.deepEqual(plain(v.issuerKeyId), plain(ca.key.id));
});

test('a node signed by an intermediate verifies with only the CA certificate trusted', () => {
  const ca = makeCa();
  const mid = makeIntermediate(ca, 2, { namePatterns: ['web-*'] });
  const node = makeNode(mid, 3, 'web-7');
  const v = verifyNodeChain(node.chainBytes, trustOf(ca), NOW);
  assert.equal(v.name, 'web-7');
  assert.deepEqual(plain(v.issuerKeyId), plain(mid.key.id));
});

test('MALFORMED: truncated, garbage and empty input', () => {
  const ca = makeCa();
  const node = makeNode(ca, 2);
  rejects(node.chainBytes.subarray(0, node.chainBytes.byteLength - 1), trustOf(ca), ErrorCodes.CERT_MALFORMED);
  rejects(new Uint8Array([0x21, 1, 1, 0, 3, 1, 2, 3]), trustOf(ca), ErrorCodes.CERT_MALFORMED);
  rejects(new Uint8Array(0), trustOf(ca), ErrorCodes.CERT_MALFORMED);
});

test('BAD_SIGNATURE: a certificate forged by a node claiming the CA as issuer', () => {
  const ca = makeCa();
  const mallory = makeNode(ca, 2, 'mallory');
  const forged = resign(mallory.cert, { name: 'web1' }, mallory.key.signing.secretKey);
  rejects(encodeChain([forged]), trustOf(ca), ErrorCodes.CERT_BAD_SIGNATURE, NOW, /node 'web1'.*bad signature/);
});

test('BAD_SIGNATURE: a CA signature over the same bytes in another domain (a CRL) does not count', () => {
  const ca = makeCa();
  const node = makeNode(ca, 2);
  const body = encodeCertificateBody(node.cert);
  const crossSigned: Certificate = { ...node.cert, signature: sign(withDomain(CRL_SIGNATURE_DOMAIN, body), ca.key.signing.secretKey) };
  rejects(encodeChain([crossSigned]), trustOf(ca), ErrorCodes.CERT_BAD_SIGNATURE);
  const proper: Certificate = { ...node.cert, signature: sign(withDomain(CERT_SIGNATURE_DOMAIN, body), ca.key.signing.secretKey) };
  assert.equal(verifyNodeChain(encodeChain([proper]), trustOf(ca), NOW).name, 'web1');
});

test('UNKNOWN_ISSUER: signed by another CA of the cluster that is not trusted, or by a different intermediate', () => {
  const ca = makeCa();
  const rogue = makeCa(undefined, 9, ca.certificate); // same cluster id and name, different key, never trusted
  rejects(makeNode(rogue, 2).chainBytes, trustOf(ca), ErrorCodes.CERT_UNKNOWN_ISSUER, NOW, /not a trusted CA/);
  const midA = makeIntermediate(ca, 3);
  const midB = makeIntermediate(ca, 4);
  const node = makeNode(midA, 5);
  rejects(encodeChain([node.cert, midB.certificate]), trustOf(ca), ErrorCodes.CERT_UNKNOWN_ISSUER, NOW, /not issued by the intermediate/);
  // An intermediate-signed node without its intermediate in the chain: its issuer is no CA.
  rejects(encodeChain([node.cert]), trustOf(ca), ErrorCodes.CERT_UNKNOWN_ISSUER);
});

test('EXPIRED and NOT_YET_VALID: node, intermediate and CA periods are all checked', () => {
  const ca = makeCa();
  const node = makeNode(ca, 2, 'web1', { days: 1 });
  assert.equal(verifyNodeChain(node.chainBytes, trustOf(ca), NOW + DAY_MS - 1000).name, 'web1');
  rejects(node.chainBytes, trustOf(ca), ErrorCodes.CERT_EXPIRED, NOW + 2 * DAY_MS, /node 'web1'.*expired at/);
  const future = makeNode(ca, 3, 'web2', { notBeforeMs: NOW + DAY_MS });
  rejects(future.chainBytes, trustOf(ca), ErrorCodes.CERT_NOT_YET_VALID, NOW, /not valid before/);
  const mid = makeIntermediate(ca, 4); // valid 365 days
  const viaMid = makeNode(mid, 5, 'web3', { days: 300 });
  rejects(viaMid.chainBytes, trustOf(ca), ErrorCodes.CERT_EXPIRED, NOW + 301 * DAY_MS, /node 'web3'/);
  const outlives = resign(viaMid.cert, { notAfter: viaMid.cert.notAfter + 200 * 86_400 }, mid.key.signing.secretKey);
  rejects(encodeChain([outlives, mid.certificate]), trustOf(ca), ErrorCodes.CERT_EXPIRED, NOW + 366 * DAY_MS, /intermediate signer/);
  const shortCa = { key: ca.key, certificate: resign(ca.certificate, { notAfter: ca.certificate.notBefore + 10 * 86_400 }, ca.key.signing.secretKey) };
  const underShortCa = makeNode(shortCa, 6, 'web4', { days: 5 });
  const longer = resign(underShortCa.cert, { notAfter: underShortCa.cert.notAfter + 30 * 86_400 }, ca.key.signing.secretKey);
  rejects(encodeChain([longer]), trustOf(shortCa), ErrorCodes.CERT_EXPIRED, NOW + 11 * DAY_MS, /CA 'lab'/);
});

test('REVOKED: by key fingerprint, so a re-issued certificate for the same key is still refused; revoking an intermediate revokes its nodes', () => {
  const ca = makeCa();
  const node = makeNode(ca, 2);
  const crl = issueRevocationList(ca, { previous: null, revoke: [node.key.id], nowMs: NOW });
  const trust = buildTrustAnchors([ca.certificate], [crl]);
  rejects(node.chainBytes, trust, ErrorCodes.CERT_REVOKED, NOW, /revoked by revocation list #1/);
  const reissued = makeNode(ca, 2, 'web1-renamed', { days: 90 });
  rejects(reissued.chainBytes, trust, ErrorCodes.CERT_REVOKED);
  assert.equal(verifyNodeChain(makeNode(ca, 3, 'web2').chainBytes, trust, NOW).name, 'web2');
  const mid = makeIntermediate(ca, 4);
  const viaMid = makeNode(mid, 5, 'web5');
  const crl2 = issueRevocationList(ca, { previous: crl, revoke: [mid.key.id], nowMs: NOW });
  rejects(viaMid.chainBytes, buildTrustAnchors([ca.certificate], [crl2]), ErrorCodes.CERT_REVOKED, NOW, /intermediate signer/);
});

test('UNSUPPORTED_VERSION: a properly signed certificate of a future format version, and a future chain envelope', () => {
  const ca = makeCa();
  const node = makeNode(ca, 2);
  const body = encodeCertificateBody(node.cert);
  body[1] = 2;
  const v2 = new Uint8Array([...body, ...sign(withDomain(CERT_SIGNATURE_DOMAIN, body), ca.key.signing.secretKey)]);
  rejects(encodeChainOfEncoded([v2]), trustOf(ca), ErrorCodes.CERT_UNSUPPORTED_VERSION, NOW, /version 2/);
  const envelope = Uint8Array.from(node.chainBytes);
  envelope[1] = 9;
  rejects(envelope, trustOf(ca), ErrorCodes.CERT_UNSUPPORTED_VERSION);
});

test('CONSTRAINT: an intermediate that signs outside its limits, a node certificate used as a signer, a CA certificate presented as a node', () => {
  const ca = makeCa();
  const mid = makeIntermediate(ca, 2, { namePatterns: ['web-*'], groups: ['web'] });
  const honest = makeNode(mid, 3, 'web-1', { groups: ['web'] });
  const outside = resign(honest.cert, { name: 'db-1' }, mid.key.signing.secretKey);
  rejects(encodeChain([outside, mid.certificate]), trustOf(ca), ErrorCodes.CERT_CONSTRAINT, NOW, /only certify names matching web-\*/);
  const extraGroup = resign(honest.cert, { groups: ['admin', 'web'] }, mid.key.signing.secretKey);
  rejects(encodeChain([extraGroup, mid.certificate]), trustOf(ca), ErrorCodes.CERT_CONSTRAINT, NOW, /groups/);
  const signerNode = makeNode(ca, 4, 'relay');
  const underNode = resign(honest.cert, { issuerKeyId: signerNode.key.id }, signerNode.key.signing.secretKey);
  rejects(encodeChain([underNode, signerNode.cert]), trustOf(ca), ErrorCodes.CERT_CONSTRAINT, NOW, /a node certificate never signs/);
  rejects(encodeChain([ca.certificate]), trustOf(ca), ErrorCodes.CERT_CONSTRAINT, NOW, /not a node certificate/);
});

test('WRONG_CLUSTER: a node of another cluster, and trust anchors mixing clusters', () => {
  const a = makeCa('alpha', 1);
  const b = makeCa('beta', 2);
  rejects(makeNode(b, 3).chainBytes, trustOf(a), ErrorCodes.CERT_WRONG_CLUSTER, NOW, /belongs to cluster/);
  assert.throws(() => buildTrustAnchors([a.certificate, b.certificate]), (e: unknown) => isSkeinError(e, ErrorCodes.CERT_WRONG_CLUSTER));
});

test('trust anchors check CA self-signatures and CRL issuers', () => {
  const ca = makeCa();
  const node = makeNode(ca, 2);
  assert.throws(() => buildTrustAnchors([node.cert]), (e: unknown) => isSkeinError(e, ErrorCodes.CERT_CONSTRAINT));
  const badSelf = { ...ca.certificate, signature: new Uint8Array(64) };
  assert.throws(() => buildTrustAnchors([badSelf]), (e: unknown) => isSkeinError(e, ErrorCodes.CERT_BAD_SIGNATURE));
  const rotated = makeCa(undefined, 5, ca.certificate);
  const foreignCrl = issueRevocationList(rotated, { previous: null, revoke: [node.key.id], nowMs: NOW });
  assert.throws(() => buildTrustAnchors([ca.certificate], [foreignCrl]), (e: unknown) => isSkeinError(e, ErrorCodes.CERT_UNKNOWN_ISSUER));
  const tampered = { ...foreignCrl, revoked: [] };
  assert.throws(() => buildTrustAnchors([ca.certificate, rotated.certificate], [tampered]), (e: unknown) => isSkeinError(e, ErrorCodes.CERT_BAD_SIGNATURE));
  assert.throws(() => buildTrustAnchors([]), (e: unknown) => isSkeinError(e, ErrorCodes.USAGE));
});

test('CA rotation: with old and new CA trusted, nodes of both verify, and cluster id and prefix stay the same', () => {
  const old = makeCa('lab', 1);
  const next = makeCa(undefined, 2, old.certificate);
  const before = makeNode(old, 3, 'web1');
  const after = makeNode(next, 4, 'web2');
  const both = trustOf(old, next);
  const v1 = verifyNodeChain(before.chainBytes, both, NOW);
  const v2 = verifyNodeChain(after.chainBytes, both, NOW);
  assert.equal(clusterPrefixText(v1.clusterId), clusterPrefixText(v2.clusterId));
  assert.equal(clusterPrefixText(v1.clusterId), clusterPrefixText(old.certificate.clusterId));
  // A revocation list from the new CA revokes a key certified by the old one: one cluster, one revocation space.
  const crl = issueRevocationList(next, { previous: null, revoke: [before.key.id], nowMs: NOW });
  rejects(before.chainBytes, buildTrustAnchors([old.certificate, next.certificate], [crl]), ErrorCodes.CERT_REVOKED);
  // The new CA can revoke the old CA's key itself, which ends every certificate the old CA signed.
  const retire = issueRevocationList(next, { previous: null, revoke: [old.key.id], nowMs: NOW });
  rejects(before.chainBytes, buildTrustAnchors([old.certificate, next.certificate], [retire]), ErrorCodes.CERT_REVOKED, NOW, /CA 'lab'/);
  assert.equal(verifyNodeChain(after.chainBytes, buildTrustAnchors([old.certificate, next.certificate], [retire]), NOW).name, 'web2');
  // After the old CA is dropped, its nodes are no longer accepted.
  rejects(before.chainBytes, trustOf(next), ErrorCodes.CERT_UNKNOWN_ISSUER);
});

test('certificate encoding is deterministic, so the same request twice gives the same bytes', () => {
  const ca = makeCa();
  assert.deepEqual(encodeCertificate(makeNode(ca, 2).cert), encodeCertificate(makeNode(ca, 2).cert));
});
