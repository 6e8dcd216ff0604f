import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigText, renderConfig } from '../../src/node/config.js';
import { ErrorCodes, SkeinError } from '../../src/util/errors.js';

const FILE = '/etc/skein/skein.toml';
const minimal = 'key = "node.key"\ncertificate = "node.crt"\nca = ["ca.crt"]\n';

function configError(text: string): string {
  try {
    parseConfigText(text, FILE);
  } catch (err) {
    assert.ok(err instanceof SkeinError);
    assert.equal(err.code, ErrorCodes.CONFIG);
    return err.message;
  }
  assert.fail('expected a config error');
}

test('a minimal config gets defaults and absolute paths relative to the file', () => {
  const c = parseConfigText(minimal, FILE);
  assert.equal(c.key, '/etc/skein/node.key');
  assert.deepEqual(c.ca, ['/etc/skein/ca.crt']);
  assert.equal(c.listen.port, 7460);
  assert.equal(c.links.dead_after_ms, 4000);
  assert.equal(c.admin.socket, '/etc/skein/skein.sock');
  assert.deepEqual(c.discovery.interfaces, []);
});

test('the rendered config of skein init parses back', () => {
  const text = renderConfig({ name: 'n1', key: 'node.key', certificate: 'node.crt', ca: ['ca.crt'], port: 7000 });
  const c = parseConfigText(text, FILE);
  assert.equal(c.name, 'n1');
  assert.equal(c.listen.port, 7000);
});

test('errors name the file, the key and the problem', () => {
  assert.match(configError(`${minimal}bogus = 1\n`), /^\/etc\/skein\/skein\.toml: bogus: unknown key/);
  assert.match(configError(`${minimal}[links]\nkeepalive_ms = "fast"\n`), /skein\.toml: links\.keepalive_ms: /);
  assert.match(configError(`${minimal}[links]\nkeepalive_ms = 2000\ndead_after_ms = 1000\n`), /links\.dead_after_ms: must be greater than links\.keepalive_ms/);
  assert.match(configError('key = "k"\ncertificate = "c"\nca = []\n'), /ca: at least one trusted CA/);
  assert.match(configError(`${minimal}peers = ["nohost"]\n`), /peers\[0\]: must be host:port/);
  assert.match(configError('key = \n'), /not valid TOML: line 1/);
  assert.match(configError(`${minimal}[log]\nlevel = "loud"\n`), /log\.level: /);
});

test('stranger limits: defaults, and errors that name the key', () => {
  const c = parseConfigText(minimal, FILE);
  assert.equal(c.listen.address, undefined, 'no address: the link-local address of each interface in use');
  assert.deepEqual([c.links.max_pending_per_source, c.links.accepts_per_source_per_second, c.links.unkeyed_handshakes_per_second, c.links.dials_per_second, c.links.dials_per_interface_per_second], [4, 4, 2, 20, 10]);
  assert.equal(parseConfigText(`${minimal}[listen]\naddress = "::"\n`, FILE).listen.address, '::');
  assert.equal(parseConfigText(`${minimal}[links]\nunkeyed_handshakes_per_second = 0\n`, FILE).links.unkeyed_handshakes_per_second, 0);
  assert.match(configError(`${minimal}[links]\nmax_pending_handshakes = 8\nmax_pending_per_source = 9\n`), /links\.max_pending_per_source: must not exceed links\.max_pending_handshakes \(8\)/);
  assert.match(configError(`${minimal}[links]\ndials_per_second = 5\ndials_per_interface_per_second = 6\n`), /links\.dials_per_interface_per_second: must not exceed links\.dials_per_second \(5\)/);
  assert.match(configError(`${minimal}[links]\naccepts_per_source_per_second = 0\n`), /links\.accepts_per_source_per_second: /);
  assert.match(configError(`${minimal}[listen]\naddress = ""\n`), /listen\.address: /);
});
