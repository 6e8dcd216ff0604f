/**
 * The library API: two nodes opened in this process, linked over loopback
 * as static peers, exchange datagrams by name through an end-to-end session.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openNode, type SkeinNode, type Sender } from '../../src/api.js';
import { silentLogger } from '../../src/util/log.js';
import { makeStaticNode, makeTestCa } from '../helpers/static-nodes.js';

test('openNode: send and receive datagrams to a member by name; unknown members and bad ports are refused', async () => {
  const root = mkdtempSync(join(tmpdir(), 'skein-api-'));
  const nodes: SkeinNode[] = [];
  try {
    const caDir = makeTestCa(join(root, 'ca'), 'apitest');
    const a = await openNode(makeStaticNode(root, caDir, 'alpha'), { logger: silentLogger() });
    nodes.push(a);
    const port = (a as unknown as { daemon: { links: { port: number } } }).daemon.links.port;
    const b = await openNode(makeStaticNode(root, caDir, 'beta', [`127.0.0.1:${port}`]), { logger: silentLogger() });
    nodes.push(b);

    const got: Array<{ from: Sender; text: string }> = [];
    b.listen(7000, (from, data) => got.push({ from, text: new TextDecoder().decode(data) }));
    await a.waitForMember('beta', 10_000);
    assert.equal(a.send('beta', 7000, new TextEncoder().encode('hello beta')), true);
    assert.equal(a.send(b.id, 7000, new TextEncoder().encode('by id')), true);
    for (let i = 0; i < 100 && got.length < 2; i++) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(got.map((g) => g.text).sort(), ['by id', 'hello beta']);
    assert.equal(got[0]?.from.name, 'alpha');
    assert.equal(got[0]?.from.id, a.id);

    assert.equal(a.send('nobody', 7000, new Uint8Array(1)), false);
    assert.throws(() => a.send('beta', 70000, new Uint8Array(1)), /port must be/);
    assert.throws(() => b.listen(7000, () => {}), /already has a listener/);
    const ping = await a.ping('beta', 2);
    assert.equal(ping.received, 2);
  } finally {
    for (const n of nodes.reverse()) await n.close();
    rmSync(root, { recursive: true, force: true });
  }
});
