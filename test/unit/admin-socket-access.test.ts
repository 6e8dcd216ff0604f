/**
 * Who may open the admin socket: its owner only by default; with a mode and
 * a group (the systemd unit: 0660, group skein) that group's members too.
 * The group is given by number or by its name in a group file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AdminServer, groupId } from '../../src/control/server.js';
import { adminCall } from '../../src/control/client.js';
import { ErrorCodes, SkeinError } from '../../src/util/errors.js';
import { silentLogger } from '../../src/util/log.js';

async function withSocket(access: ConstructorParameters<typeof AdminServer>[2], fn: (path: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'skein-admin-access-'));
  const path = join(dir, 'skein.sock');
  const server = new AdminServer(path, silentLogger(), access);
  server.register('ping', () => 'pong');
  try {
    await server.start();
    await fn(path);
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('mode 0660 with our own group: group members may use it, others may not', async () => {
  const gid = process.getegid!();
  await withSocket({ mode: 0o660, group: gid }, async (path) => {
    const st = statSync(path);
    assert.equal(st.mode & 0o777, 0o660);
    assert.equal(st.gid, gid);
    assert.equal(await adminCall(path, 'ping'), 'pong');
  });
});

test('without options the socket stays owner-only', async () => {
  await withSocket(undefined, async (path) => assert.equal(statSync(path).mode & 0o777, 0o600));
});

test('a group name is looked up in the group file; an unknown one is a config error naming it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'skein-group-'));
  try {
    const file = join(dir, 'group');
    writeFileSync(file, 'root:x:0:\nskein:x:992:alice,bob\nskeinx:x:993:\n');
    assert.equal(groupId('skein', file), 992);
    assert.equal(groupId(7, file), 7);
    assert.throws(() => groupId('operators', file), (e: unknown) => e instanceof SkeinError && e.code === ErrorCodes.CONFIG && e.message.includes(`no group 'operators' in ${file}`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
