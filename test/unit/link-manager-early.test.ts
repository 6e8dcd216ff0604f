/**
 * Two LinkManagers in one process over loopback TCP. The responder sends a
 * message the moment its link is up (as routing does: its summary); it
 * reaches the initiator in the same read as the responder's first frame,
 * so the initiator's channel delivers it before the link is adopted. It
 * must still arrive, after 'linkUp' (the routing layer ignores messages
 * from a neighbour it does not know yet; the sender would resend only
 * after its 2 s retransmit interval).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/node/config.js';
import { loadNodeIdentity, loadTrust, makePeerAuthenticator } from '../../src/node/identity.js';
import { TrustStore } from '../../src/identity/index.js';
import { LinkManager } from '../../src/node/link-manager.js';
import { RealClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/log.js';
import { secureRandom } from '../../src/util/random.js';
import { makeStaticNode, makeTestCa } from '../helpers/static-nodes.js';
import { waitFor } from '../helpers/wait.js';

const LINKS = 5;

function manager(configPath: string): LinkManager {
  const clock = new RealClock();
  const config = loadConfig(configPath);
  const trust = new TrustStore(loadTrust(config));
  const identity = loadNodeIdentity(config, trust.anchors, clock.now());
  return new LinkManager({
    identity, trust, authenticatePeer: makePeerAuthenticator(trust, () => clock.now()),
    listenAddress: '127.0.0.1', listenPort: 0, listenOnInterfaces: false, linkConfig: {}, maxPendingHandshakes: 8, dialGraceMs: 0,
    clock, random: secureRandom, log: silentLogger(),
  });
}

test('messages sent at once when a link comes up are delivered after linkUp, also when they arrive with the opening frame', async () => {
  const root = mkdtempSync(join(tmpdir(), 'skein-early-'));
  const a = manager(makeStaticNode(root, makeTestCa(join(root, 'ca'), 'early'), 'alpha'));
  const b = manager(makeStaticNode(root, join(root, 'ca'), 'beta'));
  try {
    await a.start();
    await b.start();
    b.on('linkUp', (l) => l.channel.send(1, new TextEncoder().encode(`hello ${l.linkId}`)));
    const got: string[] = [];
    a.handle(1, (l, data) => {
      assert.ok(a.allLinks().includes(l), 'delivered for an adopted link, after linkUp');
      got.push(`1 ${new TextDecoder().decode(data)}`);
    });
    for (let i = 0; i < LINKS; i++) {
      const link = await a.dial(undefined, { host: '127.0.0.1', port: b.port, via: 'static' });
      assert.ok(link);
      await waitFor(() => got.length === i + 1, { timeoutMs: 5_000, what: `the message of link ${i + 1}` });
      link.channel.close('next', 1);
      await waitFor(() => b.allLinks().length === 0, { timeoutMs: 5_000, what: 'the link closed on both sides' });
    }
    assert.equal(got.length, LINKS);
    assert.ok(got.every((m) => /^1 hello \d+$/.test(m)), got.join(', '));
  } finally {
    await a.stop();
    await b.stop();
    rmSync(root, { recursive: true, force: true });
  }
});
