/**
 * Two and three daemons in one process, linked as static peers (discovery
 * off) over the in-memory transport on one virtual clock: the real
 * composition root, certificates, handshake, admin API, reload and
 * revocation — no root, no network, no waiting for real timers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { issueRevocationList, nodeIdFromText } from '../../src/identity/index.js';
import { loadSigner, saveRevocationList } from '../../src/identity/files.js';
import { adminCall } from '../../src/control/client.js';
import { loadConfig } from '../../src/node/config.js';
import type { SecurityEvent } from '../../src/node/link-manager.js';
import { makeStaticNode, makeTestCa, withVirtualDaemonTestbed, FAST_LINKS } from '../helpers/static-nodes.js';
import type { NeighborInfo } from '../../src/control/protocol.js';


/** How long a link event may take (virtual time) with the timers above. */
const LINK_WAIT_MS = 8_000;
/** A refused redial needs a redial first, so waiting for one gets longer. */
const REDIAL_WAIT_MS = 10_000;

/** A node directory whose config has discovery off, port 0, fast timers and the given static peers. */
function makeNode(root: string, caDir: string, name: string, peers: string[] = []): string {
  return makeStaticNode(root, caDir, name, peers, FAST_LINKS);
}

test('static peers link; neighbors via the admin API; revocation on reload closes the link and refuses redials', () =>
  withVirtualDaemonTestbed('skein-daemon-', async (bed) => {
    const ca = makeTestCa(join(bed.root, 'ca-dir'), 'testnet');
    const aConfig = makeNode(bed.root, ca, 'alpha');
    const a = await bed.start(aConfig);
    const bConfig = makeNode(bed.root, ca, 'beta', [`127.0.0.1:${a.links.port}`]);
    const b = await bed.start(bConfig);

    await bed.waitFor(() => a.links.neighbors().length === 1 && b.links.neighbors().length === 1, { timeoutMs: LINK_WAIT_MS, what: 'link up on both sides' });
    const fromA = (await adminCall(loadConfig(aConfig).admin.socket, 'neighbors')) as NeighborInfo[];
    assert.equal(fromA.length, 1);
    assert.equal(fromA[0]?.name, 'beta');
    assert.equal(fromA[0]?.interface, 'inbound', 'beta dialed alpha: on alpha the link is inbound');
    assert.equal(fromA[0]?.id, b.identity.key.idText);
    const rtt = await bed.waitFor(() => b.links.neighbors()[0]?.rttMs ?? undefined, { timeoutMs: LINK_WAIT_MS, what: 'an RTT sample' });
    assert.ok(rtt >= 0 && rtt < 1000, `rtt ${rtt}`);

    // Revoke beta; alpha reloads its config with the new list: the link closes and redials are refused.
    const security: SecurityEvent[] = [];
    a.links.on('security', (e) => security.push(e));
    const crl = issueRevocationList(loadSigner(ca), { previous: null, revoke: [nodeIdFromText(b.identity.key.idText)], nowMs: bed.clock.now() });
    saveRevocationList(join(bed.root, 'alpha', 'revoked.crl'), crl);
    writeFileSync(aConfig, `revocations = ["revoked.crl"]\n${readFileSync(aConfig, 'utf8')}`);
    await a.reload();
    await bed.waitFor(() => a.links.neighbors().length === 0, { timeoutMs: LINK_WAIT_MS, what: 'link closed after revocation' });
    assert.ok(security.some((e) => e.type === 'revoked'), 'a security event names the revocation');
    await bed.waitFor(() => security.some((e) => e.type === 'auth-failed' && e.code === 'SKEIN_ERR_CERT_REVOKED'), { timeoutMs: REDIAL_WAIT_MS, what: 'a redial refused as revoked' });
    assert.equal(a.links.neighbors().length, 0);
  }));

test('a peer certified by a CA we do not trust (same cluster, rotated key) never becomes a link', () =>
  withVirtualDaemonTestbed('skein-daemon-', async (bed) => {
    const ca = makeTestCa(join(bed.root, 'ca-dir'), 'testnet');
    const other = makeTestCa(join(bed.root, 'other-ca'), 'testnet', ca); // same cluster id, key unknown to alpha
    const m = await bed.start(makeNode(bed.root, other, 'mallory'));
    const a = await bed.start(makeNode(bed.root, ca, 'alpha', [`127.0.0.1:${m.links.port}`]));
    const security: SecurityEvent[] = [];
    a.links.on('security', (e) => security.push(e));
    await bed.waitFor(() => security.some((e) => e.code === 'SKEIN_ERR_CERT_UNKNOWN_ISSUER'), { timeoutMs: LINK_WAIT_MS, what: 'alpha refuses mallory' });
    assert.equal(a.links.neighbors().length, 0);
    assert.equal(m.links.neighbors().length, 0);
  }));

test('reload: a bad new config is refused and the old one keeps running; restart-only changes are reported', () =>
  withVirtualDaemonTestbed('skein-daemon-', async (bed) => {
    const ca = makeTestCa(join(bed.root, 'ca-dir'), 'testnet');
    const cfg = makeNode(bed.root, ca, 'alpha');
    const d = await bed.start(cfg);
    const good = readFileSync(cfg, 'utf8');
    writeFileSync(cfg, `${good}\n[bogus]\nx = 1\n`);
    await assert.rejects(d.reload(), /bogus: unknown key/);
    writeFileSync(cfg, good.replace('ca = ["ca.crt"]', 'ca = ["missing.crt"]'));
    await assert.rejects(d.reload(), /missing\.crt: no such file/);
    assert.equal(d.status().name, 'alpha', 'still running');
    writeFileSync(cfg, good.replace(/port = 0/, 'port = 7999'));
    const r = await d.reload();
    assert.deepEqual(r.restartNeeded, ['listen']);
  }));
