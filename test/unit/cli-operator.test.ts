/**
 * The operator commands end to end, each a real `skein` process: version,
 * --json errors, init from a key and certificate made elsewhere, config
 * check, --json of the identity commands, and (against a daemon running in
 * this process, over loopback) peers, status, hosts and reload.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { skeinIn, withTempDir } from './cli-identity-helpers.js';
import { makeStaticNode, makeTestCa, withDaemonTestbed, FAST_LINKS, deadLoopbackPort } from '../helpers/static-nodes.js';
import { waitFor } from '../helpers/wait.js';

const tmp = withTempDir();
const skein = skeinIn(tmp.dir);
const at = (p: string) => join(tmp.dir, p);
after(() => tmp.cleanup());


function jsonError(r: { stdout: string; stderr: string }): { code: string; message: string } {
  assert.equal(r.stderr, '', 'with --json nothing goes to stderr');
  const parsed = JSON.parse(r.stdout) as { error: { code: string; message: string } };
  assert.deepEqual(Object.keys(parsed), ['error']);
  return parsed.error;
}

test('version --json: package version, commit (or null), node, AEAD implementation, native addons', async () => {
  const r = await skein('version', '--json');
  assert.equal(r.code, 0, r.stderr);
  const v = JSON.parse(r.stdout) as Record<string, unknown> & { aead: { implementation: string }; nativeAddons: Record<string, unknown> };
  assert.equal(v.version, JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version);
  assert.ok(v.commit === null || typeof v.commit === 'string');
  assert.equal(v.node, process.version);
  assert.match(v.aead.implementation, /^(openssl|libsodium)$/);
  assert.equal(typeof v.nativeAddons.aead, 'boolean');
  const human = await skein('version');
  assert.match(human.stdout, /^skein \d+\.\d+\.\d+/);
  assert.match(human.stdout, /^aead\s+(openssl|libsodium)/m);
});

test('--json errors: {"error":{code,message}} on stdout, nothing on stderr, the usual nonzero exit', async () => {
  const noDaemon = await skein('status', '--json', '--socket', at('none.sock'));
  assert.equal(noDaemon.code, 1);
  assert.deepEqual(jsonError(noDaemon), { code: 'SKEIN_ERR_CONFIG', message: `admin socket ${at('none.sock')}: no skein daemon is running there` });
  const badOption = await skein('peers', '--json', '--bogus');
  assert.equal(badOption.code, 2);
  assert.deepEqual(jsonError(badOption), { code: 'SKEIN_ERR_USAGE', message: "unknown option '--bogus'" });
  const unknown = await skein('nosuch', '--json');
  assert.equal(unknown.code, 2);
  assert.equal(jsonError(unknown).code, 'SKEIN_ERR_USAGE');
  const missing = await skein('cert', 'show', '--json', at('missing.crt'));
  assert.equal(missing.code, 1);
  assert.deepEqual(jsonError(missing), { code: 'SKEIN_ERR_FILE_NOT_FOUND', message: `${at('missing.crt')}: no such file` });
  // Without --json the same error is one line on stderr.
  const plain = await skein('cert', 'show', at('missing.crt'));
  assert.equal(plain.stdout, '');
  assert.equal(plain.stderr, `skein: ${at('missing.crt')}: no such file\n`);
});

test('the offline-CA flow: keygen, ca sign of the .pub, init --key --cert --trust; a wrong or foreign certificate is refused naming the file', async () => {
  const key = await skein('keygen', '--json', '--out', 'n1.key');
  assert.equal(key.code, 0, key.stderr);
  const { id } = JSON.parse(key.stdout) as { id: string };
  assert.equal(JSON.parse((await skein('ca', 'init', '--json', '--name', 'lab', '--out', 'ca')).stdout).cluster, 'lab');
  const signed = await skein('ca', 'sign', '--json', '--ca', 'ca', '--pub', 'n1.key.pub', '--name', 'n1', '--out', 'n1.crt');
  assert.equal(signed.code, 0, signed.stderr);
  assert.equal(JSON.parse(signed.stdout).id, id);
  const init = await skein('init', '--json', '--key', 'n1.key', '--cert', 'n1.crt', '--trust', 'ca/ca.crt', '--out', 'n1');
  assert.equal(init.code, 0, init.stderr);
  const made = JSON.parse(init.stdout) as { name: string; id: string; config: string };
  assert.deepEqual([made.name, made.id, made.config], ['n1', id, at('n1/skein.toml')]);
  assert.equal((await skein('config', 'check', 'n1/skein.toml')).code, 0, 'the directory is a valid node');

  // A certificate for another key, and one from another cluster's CA.
  await skein('keygen', '--out', 'other.key');
  await skein('ca', 'sign', '--ca', 'ca', '--pub', 'other.key.pub', '--name', 'n2', '--out', 'other.crt');
  const mismatch = await skein('init', '--key', 'n1.key', '--cert', 'other.crt', '--trust', 'ca/ca.crt', '--out', 'bad1');
  assert.equal(mismatch.code, 1);
  assert.match(mismatch.stderr, /^skein: other\.crt: certifies key [0-9a-f]{32}, but n1\.key holds key [0-9a-f]{32}/);
  await skein('ca', 'init', '--name', 'elsewhere', '--out', 'ca2');
  const foreign = await skein('init', '--key', 'n1.key', '--cert', 'n1.crt', '--trust', 'ca2/ca.crt', '--out', 'bad2');
  assert.equal(foreign.code, 1);
  assert.match(foreign.stderr, /^skein: n1\.crt: does not verify against ca2\/ca\.crt: /);
  const both = await skein('init', '--json', '--key', 'n1.key', '--ca', 'ca', '--out', 'bad3');
  assert.equal(both.code, 1);
  assert.equal(jsonError(both).code, 'SKEIN_ERR_USAGE');

  // The README's way: keygen straight into the node's directory, then init there.
  mkdirSync(at('n3'), { mode: 0o700 });
  await skein('keygen', '--out', 'n3/node.key');
  await skein('ca', 'sign', '--ca', 'ca', '--pub', 'n3/node.key.pub', '--name', 'n3', '--out', 'n3.crt');
  const inPlace = await skein('init', '--key', 'n3/node.key', '--cert', 'n3.crt', '--trust', 'ca/ca.crt', '--out', 'n3');
  assert.equal(inPlace.code, 0, inPlace.stderr);
  assert.equal((await skein('config', 'check', 'n3/skein.toml')).code, 0, 'a key already in the directory stays, and the directory is a valid node');
});

test('cert show: a node certificate shows its mesh address', async () => {
  const r = await skein('cert', 'show', '--json', 'n1.crt');
  const cert = JSON.parse(r.stdout) as { address: string; clusterPrefix: string };
  assert.match(cert.address, /^fd[0-9a-f:]+$/);
  assert.ok(cert.address.startsWith(cert.clusterPrefix.split('/')[0]?.replace(/::$/, '') ?? '?'), `${cert.address} in ${cert.clusterPrefix}`);
  assert.match((await skein('cert', 'show', 'n1.crt')).stdout, /^\s+address\s+fd/m);
});

test('config check: every problem at once (3 here), each at its own key; a good file prints the effective config', async () => {
  const good = readFileSync(at('n1/skein.toml'), 'utf8');
  writeFileSync(at('n1/bad.toml'), good.replace('[listen]', 'bogus = 1\n[listen]\naddress = "banana"').replace('keepalive_ms = 1000', 'keepalive_ms = 5'));
  const bad = await skein('config', 'check', 'n1/bad.toml');
  assert.equal(bad.code, 1);
  assert.equal(bad.stdout, [
    'n1/bad.toml: 3 problems',
    '  listen.address: must be an IP address to listen on (e.g. "2001:db8::1", "0.0.0.0", or "::" for every address)',
    '  links.keepalive_ms: Too small: expected number to be >=100',
    '  bogus: unknown key',
    '',
  ].join('\n'));
  const json = JSON.parse((await skein('config', 'check', '--json', 'n1/bad.toml')).stdout) as { ok: boolean; problems: string[]; effective: unknown };
  assert.deepEqual([json.ok, json.problems.length, json.effective], [false, 3, null]);
  const ok = await skein('config', 'check', 'n1/skein.toml');
  assert.equal(ok.code, 0, ok.stdout);
  assert.match(ok.stdout, /^n1\/skein\.toml: ok$/m);
  assert.match(ok.stdout, /^handshake_timeout_ms = 5000$/m, 'defaults filled in');
  const effective = JSON.parse((await skein('config', 'check', '--json', 'n1/skein.toml')).stdout).effective as { key: string; dns: { suffix: string } };
  assert.equal(effective.key, at('n1/node.key'));
  assert.equal(effective.dns.suffix, 'skein');
  // A key that does not match the certificate is found too (the daemon would refuse it at start).
  writeFileSync(at('n1/swapped.toml'), good.replace('key = "node.key"', 'key = "../other.key"'));
  const swapped = await skein('config', 'check', 'n1/swapped.toml');
  assert.equal(swapped.code, 1);
  assert.match(swapped.stdout, /certifies key [0-9a-f]{32}, but .*other\.key holds key/);
});


test('peers, status, hosts, reload against a running node: a dead static peer shows with its last error; add/remove say they last until restart', () =>
  withDaemonTestbed('skein-cli-operator-', async (bed) => {
    const ca = makeTestCa(join(bed.root, 'ca-dir'), 'testnet');
    const dead = `127.0.0.1:${await deadLoopbackPort()}`;
    const cfg = makeStaticNode(bed.root, ca, 'alpha', [dead], FAST_LINKS);
    const a = await bed.start(cfg);
    await waitFor(() => a.staticPeers.status()[0]?.lastError ?? undefined, { timeoutMs: 5_000, what: 'the first failed dial' });

    const table = await skein('peers', '--config', cfg);
    assert.equal(table.code, 0, table.stderr);
    const [header, row] = table.stdout.split('\n');
    assert.match(header ?? '', /^ADDRESS\s+PINNED\s+SOURCE\s+STATE\s+TRIED\s+FAILURES\s+LAST ERROR\s+NEXT RETRY$/);
    assert.match(row ?? '', new RegExp(`^${dead.replace(/\./g, '\\.')}\\s+-\\s+config\\s+(backing off|connecting)\\s+${dead.replace(/\./g, '\\.')}\\s+[1-9]\\d*\\s+.*ECONNREFUSED`));
    const list = JSON.parse((await skein('peers', '--json', '--config', cfg)).stdout) as Array<{ address: string; lastError: { code: string } | null }>;
    assert.equal(list[0]?.address, dead);
    assert.ok(list[0]?.lastError);
    assert.match((await skein('status', '--config', cfg)).stdout, new RegExp(`\\nstatic peers\\nADDRESS.*\\n${dead.replace(/\./g, '\\.')}\\s`));

    const b = await bed.start(makeStaticNode(bed.root, ca, 'beta', [], FAST_LINKS));
    const added = await skein('peers', 'add', `127.0.0.1:${b.links.port}`, '--name', 'beta', '--config', cfg);
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stdout, /^added static peer 127\.0\.0\.1:\d+; dialing it now\. Kept until the node restarts/);
    await waitFor(() => a.links.neighbors().length === 1, { timeoutMs: 8_000, what: 'the added peer linked' });
    assert.match((await skein('peers', '--config', cfg)).stdout, /runtime\s+linked to beta/);
    const neighbors = JSON.parse((await skein('neighbors', '--json', '--config', cfg)).stdout) as Array<{ interface: string }>;
    assert.equal(neighbors[0]?.interface, 'static', 'alpha dialed: its side is the static one');
    const hosts = JSON.parse((await skein('hosts', '--json', '--config', cfg)).stdout) as Array<{ address: string; names: string[] }>;
    assert.ok(hosts.some((h) => h.names.some((n) => n.startsWith('beta.'))), JSON.stringify(hosts));
    const removed = await skein('peers', '--config', cfg, 'remove', dead, '--json'); // the parent's --config counts too
    assert.equal(JSON.parse(removed.stdout).untilRestart, true);
    const gone = await skein('peers', 'remove', dead, '--json', '--config', cfg);
    assert.equal(gone.code, 1);
    assert.match(jsonError(gone).message, /^no static peer 127\.0\.0\.1:\d+ \(configured: 127\.0\.0\.1:\d+\)$/);

    assert.deepEqual(JSON.parse((await skein('reload', '--json', '--config', cfg)).stdout), { reloaded: true, restartNeeded: [] });
    writeFileSync(cfg, `${readFileSync(cfg, 'utf8')}\n[bogus]\n`);
    const refused = await skein('reload', '--config', cfg);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^skein: reload refused, the node keeps its running configuration: .*bogus: unknown key/);
  }));
