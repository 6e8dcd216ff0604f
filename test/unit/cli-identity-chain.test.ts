/**
 * The identity CLI end to end for intermediate signers, CA rotation and the
 * verification error codes as an operator sees them.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { skeinIn, withTempDir } from './cli-identity-helpers.js';

const tmp = withTempDir();
const skein = skeinIn(tmp.dir);

async function ok(...args: string[]): Promise<string> {
  const r = await skein(...args);
  assert.equal(r.code, 0, `skein ${args.join(' ')}: ${r.stdout}${r.stderr}`);
  return r.stdout;
}

before(async () => {
  await Promise.all([
    ok('ca', 'init', '--name', 'lab', '--out', 'ca'),
    ok('ca', 'init', '--name', 'other', '--out', 'other'),
    ok('keygen', '--out', 'a.key'),
    ok('keygen', '--out', 'b.key'),
  ]);
});
after(() => tmp.cleanup());

test('an intermediate signer directory works as --ca; its nodes verify with only the CA certificate; its limits hold', async () => {
  const made = await ok('ca', 'intermediate', '--ca', 'ca', '--name', 'edge', '--out', 'edge', '--name-patterns', 'web-*', '--allowed-groups', 'web');
  assert.match(made, /may certify names: web-\*; groups: web/);
  await ok('ca', 'sign', '--ca', 'edge', '--pub', 'a.key.pub', '--name', 'web-1', '--groups', 'web', '--out', 'web-1.crt');
  const [verified, shown, outside, badGroup] = await Promise.all([
    skein('cert', 'verify', '--ca', 'ca/ca.crt', 'web-1.crt'),
    skein('cert', 'show', '--json', 'web-1.crt'),
    skein('ca', 'sign', '--ca', 'edge', '--pub', 'b.key.pub', '--name', 'db-1', '--out', 'db-1.crt'),
    skein('ca', 'sign', '--ca', 'edge', '--pub', 'b.key.pub', '--name', 'web-2', '--groups', 'admin', '--out', 'web-2.crt'),
  ]);
  assert.equal(verified.code, 0, verified.stdout);
  assert.match(verified.stdout, /^valid: web-1\.crt: node 'web-1'/);
  const file = JSON.parse(shown.stdout) as { objects: Array<{ role: string; name: string }> };
  assert.deepEqual(file.objects.map((o) => `${o.role}:${o.name}`), ['node:web-1', 'intermediate:edge']);
  assert.equal(outside.code, 1);
  assert.match(outside.stderr, /^skein: edge: intermediate signer 'edge' may only certify names matching web-\*, not 'db-1'\n$/);
  assert.equal(badGroup.code, 1);
  assert.match(badGroup.stderr, /may grant only the groups web, not admin/);
  // The intermediate cannot sign revocation lists, nor act as a trust anchor.
  const [revoke, anchor] = await Promise.all([
    skein('ca', 'revoke', '--ca', 'edge', 'web-1.crt'),
    skein('cert', 'verify', '--ca', 'edge/intermediate.crt', 'web-1.crt'),
  ]);
  assert.equal(revoke.code, 1);
  assert.match(revoke.stderr, /revocation lists are signed by a cluster CA/);
  assert.equal(anchor.code, 1);
  assert.match(anchor.stderr, /^skein: edge\/intermediate\.crt: 'edge' \(key [0-9a-f]{32}\) is an intermediate signer certificate, not a cluster CA certificate\n$/);
  // Revoking the intermediate's key (by the CA) revokes every node it signed.
  await ok('ca', 'revoke', '--ca', 'ca', 'edge/intermediate.crt');
  const revoked = await skein('cert', 'verify', '--ca', 'ca/ca.crt', '--crl', 'ca/revoked.crl', 'web-1.crt');
  assert.equal(revoked.code, 1);
  assert.match(revoked.stdout, /^SKEIN_ERR_CERT_REVOKED: web-1\.crt: intermediate signer 'edge'/);
});

test('CA rotation keeps cluster id, name and prefix; nodes of the old CA verify while both are trusted', async () => {
  await ok('ca', 'sign', '--ca', 'ca', '--pub', 'b.key.pub', '--name', 'old-node', '--out', 'old-node.crt');
  const rotated = await ok('ca', 'init', '--rotate-from', 'ca', '--out', 'ca2');
  assert.match(rotated, /rotated CA for cluster 'lab'/);
  await ok('ca', 'sign', '--ca', 'ca2', '--pub', 'a.key.pub', '--name', 'new-node', '--out', 'new-node.crt');
  const [oldCa, newCa] = await Promise.all([ok('cert', 'show', '--json', 'ca/ca.crt'), ok('cert', 'show', '--json', 'ca2/ca.crt')]);
  const [o, n] = [JSON.parse(oldCa), JSON.parse(newCa)] as Array<Record<string, string>>;
  assert.equal(n?.clusterId, o?.clusterId);
  assert.equal(n?.clusterPrefix, o?.clusterPrefix);
  assert.equal(n?.name, 'lab');
  assert.notEqual(n?.keyId, o?.keyId);
  const [oldBoth, newBoth, oldNewOnly, wrongName] = await Promise.all([
    skein('cert', 'verify', '--ca', 'ca/ca.crt', '--ca', 'ca2/ca.crt', 'old-node.crt'),
    skein('cert', 'verify', '--ca', 'ca/ca.crt', '--ca', 'ca2/ca.crt', 'new-node.crt'),
    skein('cert', 'verify', '--ca', 'ca2/ca.crt', 'old-node.crt'),
    skein('ca', 'init', '--rotate-from', 'ca', '--name', 'renamed', '--out', 'ca3'),
  ]);
  assert.equal(oldBoth.code, 0, oldBoth.stdout);
  assert.match(oldBoth.stdout, new RegExp(`^valid: old-node\\.crt: .*cluster lab \\(${o?.clusterId}\\)`));
  assert.equal(newBoth.code, 0, newBoth.stdout);
  assert.match(newBoth.stdout, new RegExp(`cluster lab \\(${o?.clusterId}\\)`));
  assert.equal(oldNewOnly.code, 1);
  assert.match(oldNewOnly.stdout, /^SKEIN_ERR_CERT_UNKNOWN_ISSUER: old-node\.crt: /);
  assert.equal(wrongName.code, 1);
  assert.match(wrongName.stderr, /keeps the cluster name 'lab', not 'renamed'/);
});

test('cert verify prints the stable code and a sentence for expired, wrong-cluster and malformed certificates', async () => {
  await ok('ca', 'sign', '--ca', 'ca', '--pub', 'a.key.pub', '--name', 'short', '--days', '1', '--out', 'short.crt');
  await ok('ca', 'sign', '--ca', 'other', '--pub', 'a.key.pub', '--name', 'alien', '--out', 'alien.crt');
  const [expired, early, wrongCluster, malformed] = await Promise.all([
    skein('cert', 'verify', '--ca', 'ca/ca.crt', '--at', new Date(Date.now() + 3 * 86_400_000).toISOString(), 'short.crt'),
    skein('cert', 'verify', '--ca', 'ca/ca.crt', '--at', '2001-01-01T00:00:00Z', 'short.crt'),
    skein('cert', 'verify', '--ca', 'ca/ca.crt', 'alien.crt'),
    skein('cert', 'verify', '--ca', 'ca/ca.crt', 'a.key.pub'),
  ]);
  assert.equal(expired.code, 1);
  assert.match(expired.stdout, /^SKEIN_ERR_CERT_EXPIRED: short\.crt: node 'short' \(key [0-9a-f]{32}\): expired at \d{4}-/);
  assert.equal(early.code, 1);
  assert.match(early.stdout, /^SKEIN_ERR_CERT_NOT_YET_VALID: short\.crt: /);
  assert.equal(wrongCluster.code, 1);
  assert.match(wrongCluster.stdout, /^SKEIN_ERR_CERT_WRONG_CLUSTER: alien\.crt: node 'alien' .*belongs to cluster [0-9a-f]{10}, not [0-9a-f]{10}/);
  assert.equal(malformed.code, 1);
  assert.match(malformed.stdout, /^SKEIN_ERR_CERT_MALFORMED: a\.key\.pub: holds a public key, expected a certificate/);
  const json = await skein('cert', 'verify', '--json', '--ca', 'ca/ca.crt', 'alien.crt');
  assert.deepEqual(JSON.parse(json.stdout).code, 'SKEIN_ERR_CERT_WRONG_CLUSTER');
});

test('ca intermediate refuses more name patterns than a signer may hold, and a pattern too long, naming the limit', async () => {
  const seventeen = Array.from({ length: 17 }, (_, i) => `p${i}-*`).join(',');
  const [tooMany, tooLong] = await Promise.all([
    skein('ca', 'intermediate', '--ca', 'ca', '--name', 'wide', '--out', 'wide', '--name-patterns', seventeen),
    skein('ca', 'intermediate', '--ca', 'ca', '--name', 'long', '--out', 'long', '--name-patterns', `${'a'.repeat(63)}*`),
  ]);
  assert.equal(tooMany.code, 2, tooMany.stderr);
  assert.match(tooMany.stderr, /an intermediate signer holds at most 16 name patterns \(MAX_NAME_PATTERNS\), got 17/);
  assert.equal(tooLong.code, 2, tooLong.stderr);
  assert.match(tooLong.stderr, /is 64 characters long: a pattern is at most 63 characters \(MAX_NAME_PATTERN_BYTES\)/);
});
