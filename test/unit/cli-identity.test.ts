/**
 * The identity CLI end to end, in a temporary directory: keygen, CA, sign,
 * verify, revoke, verify fails; plus the refusals (permissions, overwrite)
 * and the one-line error policy.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isOneLineError, skeinIn, withTempDir } from './cli-identity-helpers.js';

const tmp = withTempDir();
const skein = skeinIn(tmp.dir);
const at = (p: string) => join(tmp.dir, p);
const mode = (p: string) => (statSync(at(p)).mode & 0o777).toString(8);

before(async () => {
  const [key, ca] = await Promise.all([skein('keygen', '--out', 'web1.key'), skein('ca', 'init', '--name', 'lab', '--out', 'ca')]);
  assert.equal(key.code, 0, key.stderr);
  assert.equal(ca.code, 0, ca.stderr);
});
after(() => tmp.cleanup());

test('keygen writes FILE (0600) and FILE.pub and prints the node id', async () => {
  assert.equal(mode('web1.key'), '600');
  assert.equal(mode('web1.key.pub'), '644');
  const show = await skein('cert', 'show', '--json', 'web1.key.pub');
  const pub = JSON.parse(show.stdout) as { kind: string; nodeId: string };
  assert.equal(pub.kind, 'public-key');
  assert.match(pub.nodeId, /^[0-9a-f]{32}$/);
  assert.ok(readFileSync(at('web1.key.pub'), 'utf8').includes(pub.nodeId), 'the .pub file names the node id in its comment');
});

test('ca init writes DIR/ca.key (0600) and a self-signed DIR/ca.crt with the cluster name and id', async () => {
  assert.equal(mode('ca/ca.key'), '600');
  const r = await skein('cert', 'show', '--json', 'ca/ca.crt');
  const ca = JSON.parse(r.stdout) as Record<string, unknown>;
  assert.equal(ca.role, 'ca');
  assert.equal(ca.name, 'lab');
  assert.equal(ca.selfSigned, true);
  assert.match(String(ca.clusterId), /^[0-9a-f]{10}$/);
  assert.equal(ca.clusterPrefix, `fd${String(ca.clusterId).slice(0, 2)}:${String(ca.clusterId).slice(2, 6).replace(/^0+(?=.)/, '')}:${String(ca.clusterId).slice(6).replace(/^0+(?=.)/, '')}::/48`);
});

test('CA → sign → verify → revoke → verify fails, and a second revocation supersedes the first list', async () => {
  const sign = await skein('ca', 'sign', '--ca', 'ca', '--pub', 'web1.key.pub', '--name', 'web1', '--groups', 'web,ops', '--days', '30', '--out', 'web1.crt');
  assert.equal(sign.code, 0, sign.stderr);
  const ok = await skein('cert', 'verify', '--ca', 'ca/ca.crt', 'web1.crt');
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /^valid: web1\.crt: node 'web1' id [0-9a-f]{32} groups ops,web cluster lab/);
  const shown = JSON.parse((await skein('cert', 'show', '--json', 'web1.crt')).stdout) as Record<string, unknown>;
  assert.deepEqual([shown.role, shown.name, shown.groups], ['node', 'web1', ['ops', 'web']]);

  const revoke = await skein('ca', 'revoke', '--ca', 'ca', 'web1.crt');
  assert.equal(revoke.code, 0, revoke.stderr);
  assert.match(revoke.stdout, /revocation list #1, 1 revoked key/);
  const refused = await skein('cert', 'verify', '--ca', 'ca/ca.crt', '--crl', 'ca/revoked.crl', 'web1.crt');
  assert.equal(refused.code, 1);
  assert.match(refused.stdout, /^SKEIN_ERR_CERT_REVOKED: web1\.crt: node 'web1' .*revoked by revocation list #1/);
  assert.equal(refused.stdout.trimEnd().split('\n').length, 1);
  // Without the list it is still a good certificate: revocation is by list, not by editing certificates.
  assert.equal((await skein('cert', 'verify', '--ca', 'ca/ca.crt', 'web1.crt')).code, 0);

  const second = await skein('keygen', '--out', 'web2.key');
  const nodeId = /node id ([0-9a-f]{32})/.exec(second.stdout)?.[1] ?? '';
  const again = await skein('ca', 'revoke', '--ca', 'ca', nodeId);
  assert.match(again.stdout, /revocation list #2, 2 revoked keys \(supersedes #1\)/);
  const crl = JSON.parse((await skein('cert', 'show', '--json', 'ca/revoked.crl')).stdout) as { sequence: number; revoked: string[] };
  assert.equal(crl.sequence, 2);
  assert.ok(crl.revoked.includes(nodeId));
  assert.ok(crl.revoked.includes(String(shown.nodeId)));
});

test('a private key readable by group or others is refused with a one-line message saying how to fix it', async () => {
  chmodSync(at('ca/ca.key'), 0o640);
  try {
    const r = await skein('ca', 'sign', '--ca', 'ca', '--pub', 'web1.key.pub', '--name', 'web9', '--out', 'web9.crt');
    assert.equal(r.code, 1);
    assert.ok(isOneLineError(r.stderr), r.stderr);
    assert.match(r.stderr, /^skein: ca\/ca\.key: permissions 0640 are too open.*chmod 600 ca\/ca\.key/);
    assert.ok(!readdirSync(tmp.dir).includes('web9.crt'));
  } finally {
    chmodSync(at('ca/ca.key'), 0o600);
  }
  chmodSync(at('web1.key'), 0o604);
  const show = await skein('cert', 'show', 'web1.key');
  assert.equal(show.code, 1);
  assert.match(show.stderr, /web1\.key: permissions 0604 are too open/);
  chmodSync(at('web1.key'), 0o600);
});

test('nothing overwrites a key or certificate without --force', async () => {
  const keyBefore = readFileSync(at('web1.key'), 'utf8');
  const [key, ca, cert] = await Promise.all([
    skein('keygen', '--out', 'web1.key'),
    skein('ca', 'init', '--name', 'lab', '--out', 'ca'),
    skein('ca', 'sign', '--ca', 'ca', '--pub', 'web1.key.pub', '--name', 'web1', '--out', 'ca/ca.crt'),
  ]);
  for (const [r, file] of [[key, 'web1.key'], [ca, 'ca/ca.key'], [cert, 'ca/ca.crt']] as const) {
    assert.equal(r.code, 1);
    assert.ok(isOneLineError(r.stderr), r.stderr);
    assert.equal(r.stderr, `skein: ${file}: already exists (use --force to overwrite)\n`);
  }
  assert.equal(readFileSync(at('web1.key'), 'utf8'), keyBefore);
  const forced = await skein('keygen', '--out', 'web1.key', '--force');
  assert.equal(forced.code, 0, forced.stderr);
  assert.notEqual(readFileSync(at('web1.key'), 'utf8'), keyBefore);
  assert.equal(mode('web1.key'), '600');
  // Atomic writes leave no temporary files behind.
  assert.deepEqual(readdirSync(tmp.dir).filter((f) => f.endsWith('.tmp')), []);
  assert.deepEqual(readdirSync(at('ca')).sort(), ['ca.crt', 'ca.key', 'revoked.crl']);
});

test('errors are one line naming the file and the problem, with a stack trace only under --debug', async () => {
  const [missing, badName, notCert, debug] = await Promise.all([
    skein('cert', 'verify', '--ca', 'ca/ca.crt', 'nothere.crt'),
    skein('ca', 'sign', '--ca', 'ca', '--pub', 'web1.key.pub', '--name', 'Web_1', '--out', 'x.crt'),
    skein('cert', 'verify', '--ca', 'web1.key.pub', 'web1.crt'),
    skein('--debug', 'cert', 'show', 'nothere.crt'),
  ]);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr, 'skein: nothere.crt: no such file\n');
  assert.equal(badName.code, 1);
  assert.ok(isOneLineError(badName.stderr));
  assert.match(badName.stderr, /^skein: invalid node name 'Web_1': a node name is 1 to 63 characters: lowercase letters a-z, digits 0-9 and '-', not starting or ending with '-'\n$/);
  assert.equal(notCert.code, 1);
  assert.match(notCert.stderr, /^skein: web1\.key\.pub: holds a public key, expected a certificate\n$/);
  assert.equal(debug.code, 1);
  assert.match(debug.stderr, /SKEIN_ERR_FILE_NOT_FOUND/);
  assert.match(debug.stderr, /\n\s+at /);
});
