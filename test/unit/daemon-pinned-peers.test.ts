/**
 * Pinned static peers, with real daemons over the in-memory transport in
 * virtual time (all on one memory host, 127.0.0.1): a peer pinned by
 * name, by id, or both, whose address is answered by another valid member of
 * the cluster (mallory) is refused in the handshake — a `security` event that
 * names the address, the pinned identity and what was proven, logged at warn
 * and streamed as a node event — and no link forms on either side. The
 * correctly pinned peer links, and the same address unpinned links to
 * mallory: the pin is what refuses.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { join } from 'node:path';
import type { SecurityEvent } from '../../src/node/link-manager.js';
import { createLogger } from '../../src/util/log.js';
import { makeStaticNode, makeTestCa, withVirtualDaemonTestbed, FAST_LINKS } from '../helpers/static-nodes.js';

/** How long a link event may take (virtual time) with the timers above. */
const LINK_WAIT_MS = 8_000;
/** A second refusal needs a redial after backoff first. */
const REDIAL_WAIT_MS = 10_000;

interface LogLine { level: string; msg: string; event?: string; type?: string; address?: string; expected?: { name?: string; idText?: string }; reason?: string }

/** A JSON logger whose lines are kept for the test to read. */
function capturingLogger(): { logger: ReturnType<typeof createLogger>; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  return { logger: createLogger({ level: 'info', destination }), lines };
}

test('a pinned static peer answered by another valid member is refused with a security event and no link; the right peer links', () =>
  withVirtualDaemonTestbed('skein-pinned-', async (bed) => {
    const ca = makeTestCa(join(bed.root, 'ca-dir'), 'testnet');
    const gw2 = await bed.start(makeStaticNode(bed.root, ca, 'gw2', [], FAST_LINKS));
    const mallory = await bed.start(makeStaticNode(bed.root, ca, 'mallory', [], FAST_LINKS));
    const gw2Id = gw2.identity.key.idText;
    const malloryId = mallory.identity.key.idText;
    const malloryAt = `127.0.0.1:${mallory.links.port}`;
    const gw2At = `127.0.0.1:${gw2.links.port}`;

    const { logger, lines } = capturingLogger();
    const alpha = await bed.start(makeStaticNode(bed.root, ca, 'alpha', [
      { address: malloryAt, name: 'gw2' },
      { address: malloryAt, id: gw2Id },
      { address: gw2At, name: 'gw2', id: gw2Id },
    ], FAST_LINKS), { logger });
    const security: SecurityEvent[] = [];
    alpha.links.on('security', (e) => security.push(e));
    const streamed: Array<{ type: string; kind?: string }> = [];
    alpha.events.subscribe((e) => streamed.push(e as { type: string; kind?: string }));

    const refusals = (pin: (e: SecurityEvent) => boolean) => security.filter((e) => e.type === 'auth-failed' && e.code === 'SKEIN_ERR_AUTH' && pin(e));
    const byName = (e: SecurityEvent) => e.expected?.name === 'gw2' && e.expected.idText === undefined;
    const byId = (e: SecurityEvent) => e.expected?.idText === gw2Id && e.expected.name === undefined;
    await bed.waitFor(() => alpha.links.neighbors().length === 1 && refusals(byName).length > 0 && refusals(byId).length > 0,
      { timeoutMs: LINK_WAIT_MS, what: 'alpha links to gw2 and refuses mallory under both pins' });

    // The one link is the correctly pinned one.
    const [link] = alpha.links.neighbors();
    assert.equal(link?.name, 'gw2');
    assert.equal(link?.id, gw2Id);
    assert.equal(alpha.links.hasLinkTo(malloryId, 'static'), false);

    // Each refusal names the address, the pinned identity and what the peer proved.
    for (const e of [refusals(byName)[0], refusals(byId)[0]]) {
      assert.equal(e?.address, `[127.0.0.1]:${mallory.links.port}`);
      assert.equal(e?.via, 'static');
      assert.match(e?.reason ?? '', new RegExp(`but the peer proved name 'mallory' id ${malloryId}`));
    }
    assert.match(refusals(byName)[0]?.reason ?? '', /expected name 'gw2' id \(any\)/);
    assert.match(refusals(byId)[0]?.reason ?? '', new RegExp(`expected name '\\(any\\)' id ${gw2Id}`));

    // Logged at warn, and streamed to `skein events` subscribers.
    const warned = lines.filter((l) => l.level === 'warn' && l.event === 'security' && l.type === 'auth-failed');
    assert.ok(warned.some((l) => l.address === `[127.0.0.1]:${mallory.links.port}` && /proved name 'mallory'/.test(l.msg)), JSON.stringify(lines));
    await bed.waitFor(() => streamed.some((e) => e.type === 'security' && e.kind === 'auth-failed') || undefined, { timeoutMs: LINK_WAIT_MS, what: 'a streamed security event' });

    // Redials are refused again; mallory never holds a link to alpha.
    const firstCount = refusals(byName).length;
    await bed.waitFor(() => refusals(byName).length > firstCount, { timeoutMs: REDIAL_WAIT_MS, what: 'a redial refused again' });
    assert.equal(mallory.links.neighbors().length, 0);
    assert.deepEqual(alpha.links.neighbors().map((n) => n.name), ['gw2']);
    assert.equal(alpha.links.counters.authFailures, security.filter((e) => e.type === 'auth-failed').length);
  }));

test('the same address unpinned links to whichever valid member answers: the pin is what refuses', () =>
  withVirtualDaemonTestbed('skein-pinned-', async (bed) => {
    const ca = makeTestCa(join(bed.root, 'ca-dir'), 'testnet');
    const mallory = await bed.start(makeStaticNode(bed.root, ca, 'mallory', [], FAST_LINKS));
    const alpha = await bed.start(makeStaticNode(bed.root, ca, 'alpha', [`127.0.0.1:${mallory.links.port}`], FAST_LINKS));
    await bed.waitFor(() => alpha.links.neighbors().length === 1, { timeoutMs: LINK_WAIT_MS, what: 'alpha links to whoever answers' });
    assert.equal(alpha.links.neighbors()[0]?.name, 'mallory');
  }));
