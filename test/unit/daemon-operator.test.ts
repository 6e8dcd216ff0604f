/**
 * What an operator sees of a node's static peers and reloads, with real
 * daemons over loopback (no root): a dead peer is visible with its last error
 * within one retry and is logged at warn (rate-limited); peers added and
 * removed at run time; a reload that would revoke our own key is refused and
 * logged; the restart-needed note compares with what is running.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { issueRevocationList, nodeIdFromText } from '../../src/identity/index.js';
import { loadSigner, saveRevocationList } from '../../src/identity/files.js';
import { adminCall } from '../../src/control/client.js';
import { loadConfig } from '../../src/node/config.js';
import { refuseWorldWritable, worldWritableProblems } from '../../src/node/config-files.js';
import type { StaticPeerStatus } from '../../src/node/static-peers.js';
import { makeStaticNode, makeTestCa, withVirtualDaemonTestbed, FAST_LINKS } from '../helpers/static-nodes.js';
import { recordingLogger } from '../helpers/log-lines.js';
/** A port nothing listens on in the memory network: dials to it are refused. */
const DEAD_PORT = 9;

/** The first dial fails at once (connection refused); its status must show within the first backoff. */
const FIRST_FAILURE_WAIT_MS = 5_000;
const LINK_WAIT_MS = 8_000;


test('a static peer that is down: backing off with its last error in `peers` and status; one warn line, not one per retry', () =>
  withVirtualDaemonTestbed('skein-operator-', async (bed) => {
    const ca = makeTestCa(join(bed.root, 'ca-dir'), 'testnet');
    const dead = `127.0.0.1:${DEAD_PORT}`;
    const log = recordingLogger('info');
    const cfg = makeStaticNode(bed.root, ca, 'alpha', [dead], FAST_LINKS);
    const a = await bed.start(cfg, { logger: log.logger });
    const socket = loadConfig(cfg).admin.socket;
    const peer = await bed.waitFor(async () => {
      const list = (await adminCall(socket, 'peers')) as StaticPeerStatus[];
      return list[0]?.lastError ? list[0] : undefined;
    }, { timeoutMs: FIRST_FAILURE_WAIT_MS, what: 'the dead peer\'s first failure' });
    assert.equal(peer.address, dead);
    assert.equal(peer.source, 'config');
    assert.equal(peer.tried, dead);
    assert.ok(peer.state === 'backing-off' || peer.state === 'connecting', peer.state);
    assert.match(peer.lastError?.message ?? '', /ECONNREFUSED|refused|ended/i);
    assert.ok(peer.failures >= 1);
    const status = a.status() as { peers: StaticPeerStatus[] };
    assert.equal(status.peers[0]?.address, dead);

    await bed.waitFor(() => (a.staticPeers.status()[0]?.failuresTotal ?? 0) >= 3, { timeoutMs: LINK_WAIT_MS, what: 'three failed dials' });
    const warns = log.records().filter((r) => r.level === 'warn' && String(r.msg).startsWith(`static peer ${dead}`));
    assert.equal(warns.length, 1, 'the first failure is logged at warn, the next ones within a minute are not');
    assert.equal(warns[0]?.failedSinceLastReport, 1);
  }));

test('peers add / remove at run time through the admin API: the new peer links, a removed one is no longer listed; bad addresses are refused', () =>
  withVirtualDaemonTestbed('skein-operator-', async (bed) => {
    const ca = makeTestCa(join(bed.root, 'ca-dir'), 'testnet');
    const a = await bed.start(makeStaticNode(bed.root, ca, 'alpha', [], FAST_LINKS));
    const bCfg = makeStaticNode(bed.root, ca, 'beta', [], FAST_LINKS);
    const b = await bed.start(bCfg);
    const socket = loadConfig(bCfg).admin.socket;
    const address = `127.0.0.1:${a.links.port}`;
    const added = (await adminCall(socket, 'peers.add', { address, name: 'alpha' })) as StaticPeerStatus;
    assert.equal(added.source, 'runtime');
    assert.equal(added.name, 'alpha');
    await bed.waitFor(() => b.staticPeers.status()[0]?.state === 'linked', { timeoutMs: LINK_WAIT_MS, what: 'the added peer linked' });
    assert.equal(b.staticPeers.status()[0]?.linkedTo?.name, 'alpha');
    // alpha did not dial: its side of the link is an inbound one.
    assert.equal(a.links.neighbors()[0]?.interface, 'inbound');
    assert.equal(b.links.neighbors()[0]?.interface, 'static');
    await assert.rejects(adminCall(socket, 'peers.add', { address }), /already configured/);
    await assert.rejects(adminCall(socket, 'peers.add', { address: 'banana' }), /address: must be host:port/);
    await assert.rejects(adminCall(socket, 'peers.add', { address: '127.0.0.1:1', id: 'xyz' }), /id: must be a node id/);
    const removed = (await adminCall(socket, 'peers.remove', { address })) as StaticPeerStatus;
    assert.equal(removed.address, address);
    assert.deepEqual(b.staticPeers.status(), []);
    await assert.rejects(adminCall(socket, 'peers.remove', { address }), /no static peer/);
  }));

test('reload: a revocation list that revokes our own key is refused (and logged), the node keeps running', () =>
  withVirtualDaemonTestbed('skein-operator-', async (bed) => {
    const ca = makeTestCa(join(bed.root, 'ca-dir'), 'testnet');
    const log = recordingLogger('info');
    const cfg = makeStaticNode(bed.root, ca, 'alpha', [], FAST_LINKS);
    const a = await bed.start(cfg, { logger: log.logger });
    const crl = issueRevocationList(loadSigner(ca), { previous: null, revoke: [nodeIdFromText(a.identity.key.idText)], nowMs: Date.now() });
    saveRevocationList(join(bed.root, 'alpha', 'revoked.crl'), crl);
    writeFileSync(cfg, `revocations = ["revoked.crl"]\n${readFileSync(cfg, 'utf8')}`);
    await assert.rejects(a.reload(), /own certificate .* would be refused by every peer: .*revoked/i);
    assert.ok(log.records().some((r) => r.level === 'error' && r.msg === 'reload refused: keeping the running configuration' && /revoked/i.test(String(r.reason))));
    assert.equal(a.trust.anchors.revocations.length, 0, 'the list was not installed');
  }));

test('reload: the restart-needed note compares with the running config, not with the file read last', () =>
  withVirtualDaemonTestbed('skein-operator-', async (bed) => {
    const ca = makeTestCa(join(bed.root, 'ca-dir'), 'testnet');
    const cfg = makeStaticNode(bed.root, ca, 'alpha', [], FAST_LINKS);
    const a = await bed.start(cfg);
    const good = readFileSync(cfg, 'utf8');
    writeFileSync(cfg, good.replace(/port = 0/, 'port = 7999'));
    assert.deepEqual((await a.reload()).restartNeeded, ['listen']);
    assert.deepEqual((await a.reload()).restartNeeded, ['listen'], 'still not applied: the node listens where it started');
    writeFileSync(cfg, good);
    assert.deepEqual((await a.reload()).restartNeeded, []);
  }));

test('a root daemon refuses a config or CA file every user may write, naming the file and the fix', () =>
  withVirtualDaemonTestbed('skein-operator-', async (bed) => {
    const ca = makeTestCa(join(bed.root, 'ca-dir'), 'testnet');
    const cfg = makeStaticNode(bed.root, ca, 'alpha', [], FAST_LINKS);
    const config = loadConfig(cfg);
    assert.deepEqual(worldWritableProblems(config), []);
    chmodSync(cfg, 0o666);
    chmodSync(config.ca[0] as string, 0o646);
    const problems = worldWritableProblems(config);
    assert.equal(problems.length, 2);
    assert.match(problems[0] ?? '', new RegExp(`${cfg}: permissions 0666: .*chmod o-w ${cfg}`));
    assert.throws(() => refuseWorldWritable(config, true), (e: Error & { code?: string }) => e.code === 'SKEIN_ERR_FILE_PERMISSIONS' && e.message.includes('ca.crt'));
    assert.doesNotThrow(() => refuseWorldWritable(config, false), 'only a root daemon refuses');
  }));

test('a pinned static peer whose node already dialed us shows as linked (the link it made counts), without a dial of our own', () =>
  withVirtualDaemonTestbed('skein-operator-', async (bed) => {
    const ca = makeTestCa(join(bed.root, 'ca-dir'), 'testnet');
    const a = await bed.start(makeStaticNode(bed.root, ca, 'alpha', [], FAST_LINKS));
    const b = await bed.start(makeStaticNode(bed.root, ca, 'beta', [`127.0.0.1:${a.links.port}`], FAST_LINKS));
    await bed.waitFor(() => a.links.neighbors().length === 1, { timeoutMs: LINK_WAIT_MS, what: 'beta dialed alpha' });
    const dials = a.links.counters.dialsStarted;
    const added = a.staticPeers.add({ address: `127.0.0.1:${b.links.port}`, id: b.identity.key.idText });
    assert.equal(added.state, 'linked');
    assert.deepEqual(added.linkedTo, { name: 'beta', id: b.identity.key.idText });
    assert.equal(a.links.counters.dialsStarted, dials, 'no dial: the link is up');
  }));
