import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ARMOR_LABELS,
  ObjectType,
  armor,
  buildTrustAnchors,
  clusterIdFromCaKey,
  clusterIdToText,
  clusterPrefixText,
  decodeCertificate,
  decodeChain,
  decodePrivateKey,
  decodePublicKey,
  decodeRevocationList,
  encodeCertificate,
  encodeChain,
  encodePrivateKey,
  encodePublicKey,
  encodeRevocationList,
  isRevoked,
  issueIntermediate,
  issueNodeCertificate,
  issueRevocationList,
  nameMatchesPattern,
  nodeIdFromPublicKey,
  nodeKeyFromSeed,
  parseArmor,
  parseNameList,
  validateNamePattern,
  validateNodeName,
  validateGroupName,
} from '../../src/identity/index.js';
import { x25519PublicFromEd25519 } from '../../src/crypto/primitives.js';
import { DecodeError, ErrorCodes, isSkeinError } from '../../src/util/errors.js';
import { DAY_MS, NOW, keyFromSeed, makeCa, makeIntermediate, makeNode, plain } from './identity-fixtures.js';

const code = (c: string) => (err: unknown) => isSkeinError(err) && err.code === c;

test('a node key is one seed; the X25519 key is derived from it and the id is its fingerprint', () => {
  const key = keyFromSeed(7);
  const again = nodeKeyFromSeed(key.seed);
  assert.deepEqual(again.signing.publicKey, key.signing.publicKey);
  assert.deepEqual(key.dh.publicKey, x25519PublicFromEd25519(key.signing.publicKey));
  assert.deepEqual(key.id, nodeIdFromPublicKey(key.signing.publicKey));
  assert.match(key.idText, /^[0-9a-f]{32}$/);
  assert.notEqual(keyFromSeed(8).idText, key.idText);
});

test('public and private keys round-trip', () => {
  const key = keyFromSeed(3);
  assert.deepEqual(decodePublicKey(encodePublicKey(key.signing.publicKey)), plain(key.signing.publicKey));
  const back = decodePrivateKey(encodePrivateKey(key));
  assert.equal(back.idText, key.idText);
  assert.deepEqual(plain(back.dh.secretKey), plain(key.dh.secretKey));
});

test('certificates of every role round-trip byte for byte', () => {
  const ca = makeCa();
  const mid = makeIntermediate(ca, 2, { namePatterns: ['web-*', 'db-*'], groups: ['ops', 'web'] });
  const unconstrained = makeIntermediate(ca, 3);
  const node = makeNode(mid, 4, 'web-1', { groups: ['web', 'ops'] });
  for (const cert of [ca.certificate, mid.certificate, unconstrained.certificate, node.cert]) {
    const bytes = encodeCertificate(cert);
    const back = decodeCertificate(bytes);
    assert.deepEqual(back, plain(cert));
    assert.deepEqual(encodeCertificate(back), bytes);
  }
  assert.deepEqual(mid.certificate.constraints, { namePatterns: ['db-*', 'web-*'], groups: ['ops', 'web'] });
  assert.deepEqual(unconstrained.certificate.constraints, { namePatterns: null, groups: null });
  assert.deepEqual(node.cert.groups, ['ops', 'web']);
});

test('chains of one and two certificates round-trip', () => {
  const ca = makeCa();
  const direct = makeNode(ca, 5);
  const viaMid = makeNode(makeIntermediate(ca, 6), 7);
  for (const n of [direct, viaMid]) {
    assert.deepEqual(decodeChain(n.chainBytes), plain(n.chain));
    assert.deepEqual(encodeChain(decodeChain(n.chainBytes)), n.chainBytes);
  }
  assert.equal(decodeChain(viaMid.chainBytes).length, 2);
});

test('revocation lists round-trip and each new list supersedes the last', () => {
  const ca = makeCa();
  const a = keyFromSeed(10);
  const b = keyFromSeed(11);
  const first = issueRevocationList(ca, { previous: null, revoke: [a.id], nowMs: NOW });
  const second = issueRevocationList(ca, { previous: first, revoke: [b.id, a.id], nowMs: NOW + DAY_MS });
  assert.equal(first.sequence, 1);
  assert.equal(second.sequence, 2);
  assert.equal(second.revoked.length, 2);
  for (const crl of [first, second]) {
    const bytes = encodeRevocationList(crl);
    assert.deepEqual(decodeRevocationList(bytes), plain(crl));
    assert.deepEqual(encodeRevocationList(decodeRevocationList(bytes)), bytes);
  }
  const empty = issueRevocationList(ca, { previous: null, revoke: [], nowMs: NOW });
  assert.deepEqual(decodeRevocationList(encodeRevocationList(empty)), plain(empty));
  // Whichever order they are given in, the trust anchors keep the newest list.
  const trust = buildTrustAnchors([ca.certificate], [second, first]);
  assert.equal(trust.revocations.length, 1);
  assert.equal(trust.revocations[0]?.sequence, 2);
  assert.ok(isRevoked(b.id, trust));
  assert.ok(!isRevoked(keyFromSeed(12).id, trust));
});

test('armor round-trips every object type, several blocks, comments and CRLF line ends', () => {
  const ca = makeCa();
  const key = keyFromSeed(4);
  const node = makeNode(makeIntermediate(ca, 2), 4);
  const objects = [
    encodePublicKey(key.signing.publicKey),
    encodePrivateKey(key),
    encodeCertificate(node.cert),
    node.chainBytes,
    encodeRevocationList(issueRevocationList(ca, { previous: null, revoke: [key.id], nowMs: NOW })),
  ];
  for (const bytes of objects) {
    const [block] = parseArmor(armor(bytes, ['a comment']));
    assert.deepEqual(block?.bytes, bytes);
    assert.equal(block?.label, ARMOR_LABELS[bytes[0] as keyof typeof ARMOR_LABELS]);
  }
  const two = armor(encodeCertificate(node.chain[0]!)) + '\n' + armor(encodeCertificate(node.chain[1]!));
  assert.equal(parseArmor(two.replaceAll('\n', '\r\n')).length, 2);
  assert.ok(parseArmor(two).every((b) => b.type === ObjectType.CERTIFICATE));
});

test('armor refuses a label that disagrees with the content, non-canonical base64 and stray text', () => {
  const pub = armor(encodePublicKey(keyFromSeed(1).signing.publicKey));
  assert.throws(() => parseArmor(pub.replaceAll('PUBLIC KEY', 'CERTIFICATE')), DecodeError);
  assert.throws(() => parseArmor(pub.replace('-----BEGIN', 'hello\n-----BEGIN')), DecodeError);
  assert.throws(() => parseArmor(pub.replace(/=*\n-----END/, 'B=\n-----END')), DecodeError);
  assert.throws(() => parseArmor(''), /no armored block/);
  assert.throws(() => parseArmor(pub.slice(0, -10)), DecodeError);
});

test('node names follow DNS label rules and the refusal says what is allowed', () => {
  for (const ok of ['a', 'web1', 'web-1', '0day', 'x'.repeat(63)]) assert.equal(validateNodeName(ok), ok);
  for (const bad of ['', '-web', 'web-', 'Web1', 'web_1', 'web.1', 'wéb', 'x'.repeat(64), 'a b']) {
    assert.throws(() => validateNodeName(bad), (err: unknown) =>
      isSkeinError(err, ErrorCodes.INVALID_NAME) && /lowercase letters a-z, digits 0-9 and '-'/.test(err.message));
  }
  assert.throws(() => validateNodeName('Web1'), /did you mean 'web1'/);
  assert.deepEqual(parseNameList('web, ops,web', validateGroupName), ['ops', 'web']);
});

test('name patterns use * for any run of label characters', () => {
  assert.ok(nameMatchesPattern('web-1', 'web-*'));
  assert.ok(nameMatchesPattern('web-', 'web-*') === true);
  assert.ok(nameMatchesPattern('eu-db', '*-db'));
  assert.ok(!nameMatchesPattern('db-1', 'web-*'));
  assert.ok(!nameMatchesPattern('xweb-1', 'web-*'));
  assert.throws(() => validateNamePattern('web.*'), code(ErrorCodes.INVALID_NAME));
  assert.throws(() => validateNamePattern('-*'), code(ErrorCodes.INVALID_NAME));
});

test('the cluster id is 40 bits of the first CA key; a rotated CA keeps id, name and prefix', () => {
  const ca = makeCa('lab', 1);
  assert.deepEqual(ca.certificate.clusterId, clusterIdFromCaKey(ca.key.signing.publicKey));
  assert.equal(ca.certificate.clusterId.byteLength, 5);
  const id = clusterIdToText(ca.certificate.clusterId);
  assert.match(id, /^[0-9a-f]{10}$/);
  assert.equal(clusterPrefixText(ca.certificate.clusterId), `fd${id.slice(0, 2)}:${id.slice(2, 6).replace(/^0+(?=.)/, '')}:${id.slice(6).replace(/^0+(?=.)/, '')}::/48`);
  const rotated = makeCa(undefined, 2, ca.certificate);
  assert.equal(rotated.certificate.name, 'lab');
  assert.deepEqual(rotated.certificate.clusterId, ca.certificate.clusterId);
  assert.notDeepEqual(rotated.certificate.publicKey, ca.certificate.publicKey);
  assert.throws(() => makeCa('other', 3, ca.certificate), /keeps the cluster name 'lab'/);
  assert.throws(() => makeCa('lab', 3, makeNode(ca, 4).cert), code(ErrorCodes.CERT_CONSTRAINT));
});

test('issuing refuses what verification would refuse: node signers, deep chains, escaped limits, outliving the signer', () => {
  const ca = makeCa();
  const node = makeNode(ca, 2);
  const pub = keyFromSeed(3).signing.publicKey;
  const req = { publicKey: pub, name: 'web-2', nowMs: NOW, days: 30 };
  assert.throws(() => issueNodeCertificate({ key: node.key, certificate: node.cert }, req), /a node certificate never signs/);
  const mid = makeIntermediate(ca, 4, { namePatterns: ['web-*'], groups: ['web'] });
  assert.throws(() => issueIntermediate(mid, { ...req, name: 'sub' }), /chains are at most CA → intermediate → node/);
  assert.throws(() => issueNodeCertificate(mid, { ...req, name: 'db-1' }), code(ErrorCodes.CERT_CONSTRAINT));
  assert.throws(() => issueNodeCertificate(mid, { ...req, groups: ['admin'] }), /may grant only the groups web, not admin/);
  assert.equal(issueNodeCertificate(mid, { ...req, groups: ['web'] }).name, 'web-2');
  assert.throws(() => issueNodeCertificate(mid, { ...req, days: 400 }), /would outlive its signer/);
  assert.throws(() => issueNodeCertificate(ca, { ...req, days: 0 }), code(ErrorCodes.USAGE));
  assert.throws(() => issueNodeCertificate(ca, { ...req, name: 'Web_2' }), code(ErrorCodes.INVALID_NAME));
  assert.throws(() => issueNodeCertificate(ca, { ...req, publicKey: new Uint8Array(32).fill(0xff) }), code(ErrorCodes.CERT_MALFORMED));
  assert.throws(() => issueRevocationList(mid, { previous: null, revoke: [], nowMs: NOW }), /signed by a cluster CA/);
  const other = makeCa('lab', 9);
  const foreign = issueRevocationList(other, { previous: null, revoke: [], nowMs: NOW });
  assert.throws(() => issueRevocationList(ca, { previous: foreign, revoke: [], nowMs: NOW }), code(ErrorCodes.CERT_UNKNOWN_ISSUER));
});
