/**
 * Discovery and authenticated links on a real network (issue 4): skein
 * daemons in lab namespaces find each other by multicast, connect back over
 * TCP to fe80::…%iface, handshake, and keep links up — and refuse every
 * peer that cannot prove the identity it claims.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { adminCall } from '../../src/control/client.js';
import { createCa, generateNodeKey, issueNodeCertificate, issueRevocationList, nodeIdFromText } from '../../src/identity/index.js';
import { loadNodeKey, loadSigner, saveCertificates, saveRevocationList, saveSignerFiles } from '../../src/identity/files.js';
import { initMesh, startDaemons, waitForDaemons, type Lab } from '../../src/lab/index.js';
import { withLab } from '../helpers/lab.js';
import { waitFor } from '../helpers/wait.js';
import type { NeighborInfo } from '../../src/control/protocol.js';

const TUNING = { discoveryIntervalMs: 1000, keepaliveMs: 300, deadAfterMs: 1500 };
const LINK_UP_DEADLINE_MS = 10_000;
const ROGUE = join(import.meta.dirname, 'fixtures', 'rogue.ts');

const socketOf = (lab: Lab, node: string) => join(lab.nodeDir(node), 'skein.sock');
const neighbors = async (lab: Lab, node: string) => (await adminCall(socketOf(lab, node), 'neighbors')) as NeighborInfo[];
const status = async (lab: Lab, node: string) => (await adminCall(socketOf(lab, node), 'status')) as { counters: { links: Record<string, number>; discovery: Record<string, number> } };
const logOf = (lab: Lab, node: string) => readFileSync(join(lab.nodeDir(node), 'skein.log'), 'utf8');
const names = (list: NeighborInfo[]) => list.map((n) => n.name).sort();

async function startAll(lab: Lab, nodes = lab.nodes): Promise<void> {
  startDaemons(lab, nodes);
  await waitForDaemons(lab, nodes);
}

test('two nodes on a link: link up within seconds; skein neighbors (JSON, via lab exec) shows the other', async () => {
  await withLab({ nodes: 2, topology: 'line' }, async (lab) => {
    initMesh(lab, { tuning: TUNING });
    const started = Date.now();
    await startAll(lab);
    await waitFor(async () => (await neighbors(lab, 'n1')).length === 1 && (await neighbors(lab, 'n2')).length === 1, { timeoutMs: LINK_UP_DEADLINE_MS, what: 'the n1—n2 link' });
    const upAfterMs = Date.now() - started;
    const r = await lab.exec('n1', ['skein', 'neighbors', '--json'], { env: { ...process.env, SKEIN_CONFIG: join(lab.nodeDir('n1'), 'skein.toml'), PATH: `${join(lab.dir, 'bin')}:${process.env.PATH}` } });
    assert.equal(r.code, 0, r.stderr);
    const list = JSON.parse(r.stdout) as NeighborInfo[];
    assert.equal(list.length, 1);
    assert.equal(list[0]?.name, 'n2');
    assert.equal(list[0]?.interface, `${lab.name}-n2`);
    assert.match(list[0]?.address ?? '', /^fe80::/);
    assert.equal(typeof list[0]?.rttMs, 'number');
    process.stdout.write(`# link up ${upAfterMs} ms after starting the daemons (admin API up included)\n`);
  });
});

test('five nodes on one bridge: every node links to the other four, exactly one link per pair', async () => {
  await withLab({ nodes: 5, topology: 'bridge' }, async (lab) => {
    initMesh(lab, { tuning: TUNING });
    await startAll(lab);
    await waitFor(async () => {
      for (const n of lab.nodes) if ((await neighbors(lab, n)).length !== 4) return false;
      return true;
    }, { timeoutMs: 15_000, what: 'a full mesh of 10 links' });
    // Let any simultaneous dials resolve, then check again: still exactly one link per pair.
    await new Promise((r) => setTimeout(r, 2 * TUNING.discoveryIntervalMs));
    for (const n of lab.nodes) {
      const list = await neighbors(lab, n);
      assert.deepEqual(names(list), lab.nodes.filter((m) => m !== n), `${n}'s neighbours`);
      assert.equal(new Set(list.map((l) => l.id)).size, 4, `${n} has one link per peer`);
    }
  });
});

test('cut drops the link on both sides within the dead interval, heal restores it; garbage to the TCP and multicast ports is counted and dropped', async () => {
  await withLab({ nodes: 3, topology: 'line' }, async (lab) => {
    initMesh(lab, { tuning: TUNING });
    await startAll(lab);
    await waitFor(async () => (await neighbors(lab, 'n2')).length === 2, { timeoutMs: LINK_UP_DEADLINE_MS, what: 'n2 linked to n1 and n3' });

    // Garbage from n3 to n2: random bytes to the TCP port, junk datagrams to the discovery group.
    const n2addr = (await neighbors(lab, 'n3'))[0]!.address; // fe80::…%iface as seen from n3
    const junk = [
      'const net=require("net"),dgram=require("dgram"),crypto=require("crypto");',
      `const [addr,ifc]=${JSON.stringify(n2addr)}.split("%");`,
      'let n=0;const tcp=()=>{const s=net.connect({host:addr+"%"+ifc,port:7460},()=>{s.end(crypto.randomBytes(5000))});s.on("error",()=>{});s.on("close",()=>{if(++n<5)tcp()})};tcp();',
      'const u=dgram.createSocket("udp6");let k=0;const t=setInterval(()=>{u.send(crypto.randomBytes(100),7460,"ff02::114%"+ifc);if(++k>=20){clearInterval(t);setTimeout(()=>u.close(),200)}},20);',
    ].join('');
    let garbageCounters: unknown;
    const sent = await lab.exec('n3', ['node', '-e', junk], { timeoutMs: 10_000 });
    assert.equal(sent.code, 0, sent.stderr);
    await waitFor(async () => {
      const c = (await status(lab, 'n2')).counters;
      garbageCounters = c;
      return (c.links.unauthenticatedDropped ?? 0) >= 5 && (c.discovery.malformed ?? 0) + (c.discovery.rateLimitedSource ?? 0) >= 20;
    }, { timeoutMs: 8000, what: 'n2 to count the garbage' }).catch((err: Error) => { throw new Error(`${err.message}; counters: ${JSON.stringify(garbageCounters)}`); });
    assert.deepEqual(names(await neighbors(lab, 'n2')), ['n1', 'n3'], 'n2 keeps its links');

    const cutAt = Date.now();
    await lab.cut('n1', 'n2');
    await waitFor(async () => (await neighbors(lab, 'n1')).length === 0 && (await neighbors(lab, 'n2')).length === 1, { timeoutMs: TUNING.deadAfterMs + 1000, what: 'both ends to drop the cut link' });
    process.stdout.write(`# cut noticed by both ends in ${Date.now() - cutAt} ms (dead interval ${TUNING.deadAfterMs} ms)\n`);
    assert.deepEqual(names(await neighbors(lab, 'n2')), ['n3']);
    const healAt = Date.now();
    await lab.heal('n1', 'n2');
    await waitFor(async () => (await neighbors(lab, 'n1')).length === 1, { timeoutMs: LINK_UP_DEADLINE_MS, what: 'the healed link' });
    process.stdout.write(`# link back ${Date.now() - healAt} ms after heal\n`);
  });
});

test('certificates: another CA, expired and revoked peers get no link, with the reason in the log', async () => {
  await withLab({ nodes: 4, topology: 'bridge' }, async (lab) => {
    initMesh(lab, { tuning: TUNING });
    const now = Date.now();
    // n2: certified by a CA of the same cluster that n1 does not trust.
    const otherKey = generateNodeKey();
    const mainCa = loadSigner(join(lab.dir, 'ca'));
    const otherCaCert = createCa({ key: otherKey, nowMs: now, rotateFrom: mainCa.certificate });
    saveSignerFiles(join(lab.dir, 'other.key'), join(lab.dir, 'other.crt'), otherKey, otherCaCert);
    const reissue = (node: string, signer: typeof mainCa, req: { notBeforeMs?: number; days: number }) => {
      const key = loadNodeKey(join(lab.nodeDir(node), 'node.key'));
      const cert = issueNodeCertificate(signer, { publicKey: key.signing.publicKey, name: node, nowMs: now, ...req });
      saveCertificates(join(lab.nodeDir(node), 'node.crt'), [cert], { force: true });
      return key;
    };
    reissue('n2', { key: otherKey, certificate: otherCaCert, keyPath: '', certPath: '' }, { days: 30 });
    saveCertificates(join(lab.nodeDir('n2'), 'ca.crt'), [otherCaCert], { force: true });
    // n3: valid for 15 more seconds: long enough to start on a loaded machine (a node refuses to start with an expired certificate).
    reissue('n3', mainCa, { notBeforeMs: now - 86_400_000 + 15_000, days: 1 });
    // n4: revoked; n1 is given the revocation list.
    const n4 = loadNodeKey(join(lab.nodeDir('n4'), 'node.key'));
    saveRevocationList(join(lab.nodeDir('n1'), 'revoked.crl'), issueRevocationList(mainCa, { previous: null, revoke: [nodeIdFromText(n4.idText)], nowMs: now }));
    const cfg = join(lab.nodeDir('n1'), 'skein.toml');
    writeFileSync(cfg, `revocations = ["revoked.crl"]\n${readFileSync(cfg, 'utf8')}`);

    await startAll(lab);
    // n1 links to the valid-for-now n3 first; the expiry then closes it and every redial is refused.
    await waitFor(() => /"code":"SKEIN_ERR_CERT_UNKNOWN_ISSUER"/.test(logOf(lab, 'n1')) || /UNKNOWN_ISSUER/.test(logOf(lab, 'n2')), { timeoutMs: LINK_UP_DEADLINE_MS, what: 'the untrusted CA refused' });
    await waitFor(() => /"code":"SKEIN_ERR_CERT_REVOKED"/.test(logOf(lab, 'n1')), { timeoutMs: LINK_UP_DEADLINE_MS, what: 'n4 refused as revoked' });
    await waitFor(() => /SKEIN_ERR_CERT_EXPIRED|has expired/.test(logOf(lab, 'n1')), { timeoutMs: 35_000, what: 'n3 refused as expired' });
    // Links are re-checked every 10 s; by now nothing bad may remain.
    await waitFor(async () => (await neighbors(lab, 'n1')).length === 0, { timeoutMs: 12_000, what: 'n1 with no links' });
    const log = logOf(lab, 'n1');
    assert.match(log, /"event":"security"/);
    assert.doesNotMatch(log, /"peer":"n2"[^\n]*"msg":"link up"/, 'n2 (untrusted CA) never linked');
    assert.doesNotMatch(log, /"peer":"n4"[^\n]*"msg":"link up"/, 'n4 (revoked) never linked');
  });
});

test('impersonation: a member advertising another node\'s name, or replaying its advertisement, is never taken for it', async () => {
  await withLab({ nodes: 3, topology: 'line' }, async (lab, t) => {
    // n1 (victim of the lie) — n2 (rogue, a valid member) — n3 (the node it pretends to be).
    initMesh(lab, { tuning: TUNING });
    await startAll(lab, ['n1', 'n3']);
    const toN1 = `${lab.name}-n1`;
    const toN3 = `${lab.name}-n3`;
    const rogueArgv = (mode: string) => [process.execPath, '--import', import.meta.resolve('tsx'), ROGUE, mode, 'n3', lab.nodeDir('n2'), toN3, toN1];

    const impersonator = t.start('n2', rogueArgv('impersonate'), { label: 'rogue impersonate' });
    await waitFor(() => /"expected":\{"idText":"[0-9a-f]+","name":"n3"\}/.test(logOf(lab, 'n1')), { timeoutMs: LINK_UP_DEADLINE_MS, what: 'n1 to refuse the impersonator' });
    await impersonator.stop();

    const replayer = t.start('n2', rogueArgv('replay'), { label: 'rogue replay' });
    await replayer.waitForLine(/"captured"/, LINK_UP_DEADLINE_MS);
    const n3id = (await adminCall(socketOf(lab, 'n3'), 'status') as { id: string }).id;
    await waitFor(() => new RegExp(`"expected":\\{"idText":"${n3id}","name":"n3"\\}`).test(logOf(lab, 'n1')), { timeoutMs: LINK_UP_DEADLINE_MS, what: 'n1 to refuse the replayed advertisement' });
    await replayer.stop();

    const list = await neighbors(lab, 'n1');
    assert.equal(list.length, 0, `n1 holds no link (it has no real neighbour but the rogue): ${JSON.stringify(list)}`);
    assert.match(logOf(lab, 'n1'), /"event":"security".*expected/);
    assert.doesNotMatch(logOf(lab, 'n1'), /"msg":"link up"/);
  });
});
