/**
 * The systemd unit, deploy/skein.service, as far as a machine whose PID 1 is
 * not systemd can check it: `systemd-analyze verify` accepts it,
 * `systemd-analyze security --offline=true` rates it at or below the
 * exposure it was hardened to, and what it relies on holds — the user, the
 * two capabilities, the directories, the admin socket path the CLI looks
 * for, and `skein up` exiting 78 (EX_CONFIG, not restarted) for a config it
 * cannot use. A real start under systemd is not run here (docs/service.md).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/paths.js';
import { runSkein, spawnSkein } from '../helpers/cli.js';
import { makeStaticNode, makeTestCa } from '../helpers/static-nodes.js';
import { adminCall } from '../../src/control/client.js';
import { SERVICE_ADMIN_SOCKET } from '../../src/cli/daemon-target.js';
import { EXIT_CONFIG } from '../../src/cli/commands/node.js';

const UNIT = join(REPO_ROOT, 'deploy/skein.service');
/** What the unit scored when it was hardened (systemd 252); lower is better, 10 is a root service with no sandbox. */
const MAX_EXPOSURE = 1.8;
const analyze = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
const noAnalyze = analyze.status === 0 ? false : 'systemd-analyze is not installed (apt-get install systemd)';

/** Every value of `key=` in the unit, in order (a key may repeat). */
function unitValues(key: string): string[] {
  return readFileSync(UNIT, 'utf8').split('\n').filter((l) => l.startsWith(`${key}=`)).map((l) => l.slice(key.length + 1));
}

test('systemd-analyze verify accepts the unit', { skip: noAnalyze }, () => {
  const r = spawnSync('systemd-analyze', ['verify', UNIT], { encoding: 'utf8', timeout: 30_000 });
  const ours = `${r.stdout}${r.stderr}`.split('\n').filter((l) => l.includes('skein.service'));
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(ours, [], 'no warning about the unit');
});

test(`systemd-analyze security rates the unit at or below ${MAX_EXPOSURE}`, { skip: noAnalyze }, () => {
  const r = spawnSync('systemd-analyze', ['security', '--offline=true', '--no-pager', UNIT], { encoding: 'utf8', timeout: 30_000 });
  const m = /Overall exposure level for skein\.service: (\d+\.\d+) (\w+)/.exec(`${r.stdout}${r.stderr}`);
  assert.ok(m, `no score in: ${r.stdout}${r.stderr}`);
  process.stdout.write(`# systemd-analyze security --offline=true deploy/skein.service: ${m[1]} ${m[2]} (${analyze.stdout.split('\n')[0]})\n`);
  assert.ok(Number(m[1]) <= MAX_EXPOSURE, `exposure ${m[1]} > ${MAX_EXPOSURE}`);
});

test('the unit: user skein, exactly CAP_NET_ADMIN and CAP_NET_BIND_SERVICE, its directories, the socket the CLI looks for, no restart on 78', () => {
  assert.deepEqual(unitValues('User'), ['skein']);
  assert.deepEqual(unitValues('Group'), ['skein']);
  for (const key of ['AmbientCapabilities', 'CapabilityBoundingSet']) {
    assert.deepEqual(unitValues(key).flatMap((v) => v.split(/\s+/)).sort(), ['CAP_NET_ADMIN', 'CAP_NET_BIND_SERVICE'], key);
  }
  for (const key of ['ConfigurationDirectory', 'StateDirectory', 'RuntimeDirectory', 'CacheDirectory']) assert.deepEqual(unitValues(key), ['skein'], key);
  assert.deepEqual(unitValues('RestartPreventExitStatus'), [String(EXIT_CONFIG)]);
  assert.deepEqual(unitValues('NoNewPrivileges'), ['yes']);
  const [execStart] = unitValues('ExecStart');
  assert.ok(execStart, 'ExecStart');
  assert.ok(execStart.includes(`--socket ${SERVICE_ADMIN_SOCKET}`), `${execStart}: the socket the CLI finds without --config`);
  assert.ok(execStart.includes('--state-dir /var/lib/skein'), `${execStart}: state in StateDirectory`);
  assert.ok(execStart.includes('--socket-mode 0660'), `${execStart}: the socket open to the skein group`);
  assert.equal(SERVICE_ADMIN_SOCKET, '/run/skein/skein.sock');
  // The sysusers file makes that user (and its group).
  assert.match(readFileSync(join(REPO_ROOT, 'deploy/skein.sysusers'), 'utf8'), /^u skein - "Skein mesh node" \/var\/lib\/skein$/m);
});

test(`skein up exits ${EXIT_CONFIG} (EX_CONFIG) for a config it cannot use, naming the file and key`, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'skein-service-exit-'));
  try {
    const bad = join(dir, 'bad.toml');
    writeFileSync(bad, 'key = "node.key"\ncertificate = "node.crt"\nca = ["ca.crt"]\n[links]\nkeepalive_ms = "fast"\n');
    const invalid = await runSkein(['up', '--config', bad]);
    assert.equal(invalid.code, EXIT_CONFIG, invalid.stderr);
    assert.match(invalid.stderr, /^skein: .*bad\.toml: links\.keepalive_ms: /);
    const missing = await runSkein(['up', '--config', join(dir, 'nosuch.toml')]);
    assert.equal(missing.code, EXIT_CONFIG, missing.stderr);
    assert.match(missing.stderr, /nosuch\.toml: no such file/);
    // A file the config names that is not there (the node's key) is a config error too.
    const config = makeStaticNode(dir, makeTestCa(join(dir, 'ca'), 'sx'), 'n1', [], '\n[tun]\nenabled = false\n');
    const noKey = join(dir, 'nokey.toml');
    writeFileSync(noKey, readFileSync(config, 'utf8').replace(/^key = .*$/m, `key = "${join(dir, 'n1', 'gone.key')}"`));
    const keyMissing = await runSkein(['up', '--config', noKey]);
    assert.equal(keyMissing.code, EXIT_CONFIG, keyMissing.stderr);
    // A flag standing in for a key is checked as that key.
    const mode = await runSkein(['up', '--config', config, '--socket-mode', '0666']);
    assert.equal(mode.code, EXIT_CONFIG, mode.stderr);
    assert.match(mode.stderr, /admin\.socket_mode: must give others no access/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('skein up as the unit runs it: state in --state-dir, the socket at --socket with mode 0660 and the daemon\'s group', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'skein-service-up-'));
  // Under systemd, RuntimeDirectory= makes the socket's directory.
  mkdirSync(join(dir, 'run'));
  const socket = join(dir, 'run', 'skein.sock');
  const config = makeStaticNode(dir, makeTestCa(join(dir, 'ca'), 'su'), 'n1', [], '\n[tun]\nenabled = false\n');
  const child = spawnSkein(['up', '--config', config, '--state-dir', join(dir, 'state'), '--socket', socket, '--socket-mode', '0660']);
  try {
    let out = '';
    child.stdout?.on('data', (b: Buffer) => { out += b.toString(); });
    child.stderr?.on('data', (b: Buffer) => { out += b.toString(); });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const deadline = Date.now() + 20_000;
    while (!out.includes('"node up"') && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.match(out, /"msg":"node up"/, out);
    const st = statSync(socket);
    assert.equal(st.mode & 0o777, 0o660);
    assert.equal(st.gid, process.getegid!());
    assert.equal(((await adminCall(socket, 'status')) as { name: string }).name, 'n1');
    child.kill('SIGTERM');
    assert.equal(await exited, 0, out);
    assert.ok(statSync(join(dir, 'state', 'skein.seq')).isFile(), 'the sequence number in the state directory');
    assert.ok(!existsSync(join(dir, 'n1', 'skein.seq')), 'not beside the config');
  } finally {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
