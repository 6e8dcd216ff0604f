/**
 * The [metrics] and [web] config sections: off when absent, loopback
 * defaults, non-loopback refused unless allow_remote, and every error names
 * the key.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigText } from '../../src/node/config.js';
import { parseListenAddress, isLoopbackHost, urlHost } from '../../src/control/listen-address.js';
import { ErrorCodes, SkeinError } from '../../src/util/errors.js';

const FILE = '/etc/skein/skein.toml';
const minimal = 'key = "node.key"\ncertificate = "node.crt"\nca = ["ca.crt"]\n';

/** Parsing fails with SKEIN_ERR_CONFIG and a message matching `why`. */
function refused(text: string, why: RegExp): void {
  assert.throws(() => parseConfigText(text, FILE), (err: unknown) => err instanceof SkeinError && err.code === ErrorCodes.CONFIG && why.test(err.message));
}

test('absent sections are off; a bare section is on, on loopback, at the default port', () => {
  const off = parseConfigText(minimal, FILE);
  assert.equal(off.metrics, undefined);
  assert.equal(off.web, undefined);
  const on = parseConfigText(`${minimal}[metrics]\n[web]\n`, FILE);
  assert.deepEqual(on.metrics, { enabled: true, listen: '127.0.0.1:9464', allow_remote: false });
  assert.deepEqual(on.web, { enabled: true, listen: '127.0.0.1:9465', allow_remote: false });
  const custom = parseConfigText(`${minimal}[metrics]\nlisten = "[::1]:9100"\n[web]\nenabled = false\nlisten = "0.0.0.0:80"\n`, FILE);
  assert.equal(custom.metrics?.listen, '[::1]:9100');
  assert.equal(custom.web?.enabled, false, 'a disabled section is not checked for loopback');
});

test('a non-loopback listen address is refused unless allow_remote = true', () => {
  refused(`${minimal}[metrics]\nlisten = "0.0.0.0:9464"\n`, /^\/etc\/skein\/skein\.toml: metrics\.listen: 0\.0\.0\.0 is not a loopback address.*set metrics\.allow_remote = true/);
  refused(`${minimal}[web]\nlisten = "[2001:db8::1]:9465"\n`, /web\.listen: 2001:db8::1 is not a loopback address.*web\.allow_remote/);
  const allowed = parseConfigText(`${minimal}[metrics]\nlisten = "0.0.0.0:9464"\nallow_remote = true\n`, FILE);
  assert.equal(allowed.metrics?.allow_remote, true);
});

test('config errors name the key', () => {
  refused(`${minimal}[metrics]\nlisten = "metrics.example:9464"\n`, /skein\.toml: metrics\.listen: 'metrics\.example:9464' is not host:port with an IP address/);
  refused(`${minimal}[web]\nlisten = "127.0.0.1"\n`, /web\.listen: '127\.0\.0\.1' is not host:port/);
  refused(`${minimal}[web]\nlisten = "127.0.0.1:70000"\n`, /web\.listen: port 70000 is above 65535/);
  refused(`${minimal}[web]\nlisten = "[127.0.0.1]:80"\n`, /web\.listen: '127\.0\.0\.1' in brackets must be an IPv6 address/);
  refused(`${minimal}[metrics]\nallow_remote = "yes"\n`, /metrics\.allow_remote: /);
  refused(`${minimal}[metrics]\nport = 9464\n`, /metrics\.port: unknown key/);
  refused(`${minimal}[web]\ntoken = "x"\n`, /web\.token: unknown key/);
  refused(`${minimal}[metrics]\nlisten = "127.0.0.1:9000"\n[web]\nlisten = "127.0.0.1:9000"\n`, /web\.listen: must differ from metrics\.listen/);
});

test('listen addresses: IP literals and localhost only; loopback detection; URL hosts', () => {
  assert.deepEqual(parseListenAddress('[::1]:0'), { host: '::1', port: 0 });
  assert.deepEqual(parseListenAddress('localhost:9464'), { host: 'localhost', port: 9464 });
  assert.equal(typeof parseListenAddress('999.1.1.1:80'), 'string');
  assert.equal(typeof parseListenAddress(':80'), 'string');
  for (const h of ['127.0.0.1', '127.255.0.9', '::1', '::ffff:127.0.0.1', 'localhost']) assert.equal(isLoopbackHost(h), true, h);
  for (const h of ['0.0.0.0', '::', '10.0.0.1', 'fe80::1', '128.0.0.1', '::ffff:10.0.0.1']) assert.equal(isLoopbackHost(h), false, h);
  assert.deepEqual(['0.0.0.0', '::', '::1', '127.0.0.2', 'localhost'].map(urlHost), ['127.0.0.1', '[::1]', '[::1]', '127.0.0.2', '127.0.0.1']);
});
