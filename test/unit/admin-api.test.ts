import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AdminServer } from '../../src/control/server.js';
import { adminCall, adminStream, AdminCallError } from '../../src/control/client.js';
import { ErrorCodes, SkeinError } from '../../src/util/errors.js';
import { silentLogger } from '../../src/util/log.js';

async function withServer(fn: (path: string, server: AdminServer) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'skein-admin-'));
  const path = join(dir, 'skein.sock');
  const server = new AdminServer(path, silentLogger());
  try {
    await fn(path, server);
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('admin socket is owner-only and answers calls, typed errors and unknown methods', async () => {
  await withServer(async (path, server) => {
    server.register('echo', (p) => ({ got: p }));
    server.register('fails', () => { throw new SkeinError(ErrorCodes.USAGE, 'no such member'); });
    await server.start();
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.deepEqual(await adminCall(path, 'echo', { a: 1 }), { got: { a: 1 } });
    await assert.rejects(adminCall(path, 'fails'), (e: unknown) => e instanceof AdminCallError && e.code === ErrorCodes.USAGE);
    await assert.rejects(adminCall(path, 'nope'), (e: unknown) => e instanceof AdminCallError && e.code === 'SKEIN_ERR_UNKNOWN_METHOD');
    const methods = (await adminCall(path, 'methods')) as { version: number; methods: string[] };
    assert.equal(methods.version, 1);
    assert.ok(methods.methods.includes('echo'));
  });
});

test('streams deliver events until the client stops; unsubscribe runs', async () => {
  await withServer(async (path, server) => {
    let unsubscribed = false;
    let emitRef: ((e: unknown) => void) | undefined;
    server.registerStream('events', (_p, emit) => { emitRef = emit; return () => { unsubscribed = true; }; });
    await server.start();
    const got: unknown[] = [];
    const s = await adminStream(path, 'events', {}, (e) => got.push(e));
    for (let i = 0; i < 50 && !emitRef; i++) await new Promise((r) => setTimeout(r, 10));
    emitRef?.({ type: 'linkUp', peer: 'n2' });
    for (let i = 0; i < 50 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(got, [{ type: 'linkUp', peer: 'n2' }]);
    s.stop();
    await s.done;
    for (let i = 0; i < 50 && !unsubscribed; i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(unsubscribed);
  });
});

test('garbage and wrong versions get protocol errors; a stale socket file is replaced; a live one is refused', async () => {
  await withServer(async (path, server) => {
    writeFileSync(path, ''); // stale leftover (not a socket anyone listens on)
    await server.start();
    const reply = await new Promise<string>((resolve) => {
      const c = createConnection(path);
      let buf = '';
      c.setEncoding('utf8');
      c.on('data', (d: string) => { buf += d; if (buf.split('\n').length > 2) { c.destroy(); resolve(buf); } });
      c.write('not json\n{"v":99,"id":5,"method":"methods"}\n');
    });
    const [a, b] = reply.trim().split('\n').map((l) => JSON.parse(l) as { error: { code: string } });
    assert.equal(a?.error.code, 'SKEIN_ERR_ADMIN_PROTOCOL');
    assert.equal(b?.error.code, 'SKEIN_ERR_API_VERSION');
    const second = new AdminServer(path, silentLogger());
    await assert.rejects(second.start(), /already running/);
  });
});

test('a missing daemon is a one-line error naming the socket', async () => {
  await assert.rejects(adminCall('/nonexistent/skein.sock', 'status'), (e: unknown) => e instanceof SkeinError && /\/nonexistent\/skein\.sock: no skein daemon is running there/.test(e.message));
});
