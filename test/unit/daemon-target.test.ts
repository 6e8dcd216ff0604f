/**
 * How a command finds its daemon: --socket, else the socket a config names
 * (--config, $SKEIN_CONFIG, ./skein.toml), else the service's socket when it
 * exists, else a usage error that says what to give.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveAdminSocket, SERVICE_ADMIN_SOCKET } from '../../src/cli/daemon-target.js';
import { ErrorCodes, SkeinError } from '../../src/util/errors.js';

const SERVICE = '/run/skein-test/skein.sock';
const only = (...paths: string[]) => (p: string) => paths.includes(p);

test('the service socket is /run/skein/skein.sock', () => {
  assert.equal(SERVICE_ADMIN_SOCKET, '/run/skein/skein.sock');
});

test('order: --socket, then the config, then the service socket', () => {
  const dir = mkdtempSync(join(tmpdir(), 'skein-target-'));
  const saved = process.env.SKEIN_CONFIG;
  delete process.env.SKEIN_CONFIG;
  try {
    const config = join(dir, 'skein.toml');
    writeFileSync(config, 'key = "node.key"\ncertificate = "node.crt"\nca = ["ca.crt"]\n[admin]\nsocket = "n.sock"\n');
    assert.equal(resolveAdminSocket({ socket: '/x.sock', config }, SERVICE, only(SERVICE)), '/x.sock');
    assert.equal(resolveAdminSocket({ config }, SERVICE, only(SERVICE)), join(dir, 'n.sock'));
    process.env.SKEIN_CONFIG = config;
    assert.equal(resolveAdminSocket({}, SERVICE, only(SERVICE)), join(dir, 'n.sock'));
    delete process.env.SKEIN_CONFIG;
    assert.equal(resolveAdminSocket({}, SERVICE, only(SERVICE)), SERVICE);
    assert.throws(() => resolveAdminSocket({}, SERVICE, only()), (e: unknown) =>
      e instanceof SkeinError && e.code === ErrorCodes.USAGE && e.message.includes(`none at ${SERVICE}`) && e.message.includes('--config FILE or --socket PATH'));
  } finally {
    if (saved === undefined) delete process.env.SKEIN_CONFIG;
    else process.env.SKEIN_CONFIG = saved;
    rmSync(dir, { recursive: true, force: true });
  }
});
