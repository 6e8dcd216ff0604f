/**
 * The config keys the systemd unit relies on: state_dir (default: the
 * config's directory, as before), the admin socket's mode and group, the
 * [dns] system-resolver keys, and the `skein up` flags that stand in for
 * them (validated like the file's own keys, kept across a reload).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adminSocketMode, parseConfigText } from '../../src/node/config.js';
import { ErrorCodes, SkeinError } from '../../src/util/errors.js';

const FILE = '/etc/skein/skein.toml';
const minimal = 'key = "node.key"\ncertificate = "node.crt"\nca = ["ca.crt"]\n';

function configError(text: string, overrides = {}): string {
  try {
    parseConfigText(text, FILE, overrides);
  } catch (err) {
    assert.ok(err instanceof SkeinError);
    assert.equal(err.code, ErrorCodes.CONFIG);
    return err.message;
  }
  assert.fail('expected a config error');
}

test('defaults change nothing for an existing node: state beside the config, owner-only socket, no hosts file', () => {
  const c = parseConfigText(minimal, FILE);
  assert.equal(c.state_dir, '/etc/skein');
  assert.equal(c.admin.socket_mode, '0600');
  assert.equal(adminSocketMode(c), 0o600);
  assert.equal(c.admin.socket_group, undefined);
  assert.equal(c.dns.resolved, true);
  assert.equal(c.dns.hosts_file, false);
  assert.equal(c.dns.hosts_file_path, '/etc/hosts');
});

test('state_dir and hosts_file_path are relative to the file; socket mode and group are taken', () => {
  const c = parseConfigText(`${minimal}state_dir = "state"\n[admin]\nsocket = "/run/skein/skein.sock"\nsocket_mode = "0660"\nsocket_group = "skein"\n[dns]\nhosts_file = true\nhosts_file_path = "hosts"\nresolved = false\n`, FILE);
  assert.equal(c.state_dir, '/etc/skein/state');
  assert.equal(c.admin.socket, '/run/skein/skein.sock');
  assert.equal(adminSocketMode(c), 0o660);
  assert.equal(c.admin.socket_group, 'skein');
  assert.equal(c.dns.hosts_file_path, '/etc/skein/hosts');
  assert.equal(c.dns.resolved, false);
  assert.equal(parseConfigText(`${minimal}[admin]\nsocket_group = 992\n`, FILE).admin.socket_group, 992);
});

test('an admin socket mode that opens it to others, or not to the owner, is refused', () => {
  assert.match(configError(`${minimal}[admin]\nsocket_mode = "0666"\n`), /admin\.socket_mode: must give others no access/);
  assert.match(configError(`${minimal}[admin]\nsocket_mode = "0460"\n`), /admin\.socket_mode: must let the owner read and write/);
  assert.match(configError(`${minimal}[admin]\nsocket_mode = "rw"\n`), /admin\.socket_mode: must be an octal mode/);
  assert.match(configError(`${minimal}[admin]\nsocket_group = "bad group"\n`), /admin\.socket_group/);
});

test('the flags of `skein up` override the file and are validated as its keys', () => {
  const text = `${minimal}state_dir = "state"\n[admin]\nsocket = "here.sock"\n`;
  const c = parseConfigText(text, FILE, { state_dir: '/var/lib/skein', admin: { socket: '/run/skein/skein.sock', socket_mode: '0660', socket_group: 'skein' } });
  assert.equal(c.state_dir, '/var/lib/skein');
  assert.equal(c.admin.socket, '/run/skein/skein.sock');
  assert.equal(c.admin.socket_mode, '0660');
  assert.equal(c.admin.socket_group, 'skein');
  // Only what a flag gives is replaced.
  assert.equal(parseConfigText(text, FILE, { admin: { socket_mode: '0660' } }).admin.socket, '/etc/skein/here.sock');
  assert.match(configError(minimal, { admin: { socket_mode: '0777' } }), /admin\.socket_mode: must give others no access/);
});
