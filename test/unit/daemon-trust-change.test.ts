/**
 * Trust that holds under change, on whole daemons linked over the
 * in-memory transport in virtual time (discovery off, static peers; no
 * root, no network): a revocation learned from the
 * mesh survives a reload and a restart, a flooded list does not bring back
 * a CA that a reload removed, and revoking or outliving an intermediate
 * ends every link, session and stored record of the nodes it signed.
 * Expiry is reached by stepping one daemon's wall clock.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { issueIntermediate, issueRevocationList, nodeIdFromPublicKey, nodeIdFromText, nodeIdToText, type Certificate } from '../../src/identity/index.js';
import { loadCertificates, loadSigner, saveCertificates, saveRevocationList } from '../../src/identity/files.js';
import type { Daemon } from '../../src/node/daemon.js';
import type { NodeEvent } from '../../src/control/protocol.js';
import type { SecurityEvent } from '../../src/node/link-manager.js';
import { REVOCATIONS_DIR } from '../../src/node/revocation-files.js';
import { makePeerAuthenticator } from '../../src/node/identity.js';
import { SteppedClock } from '../helpers/stepped-clock.js';
import { makeStaticNode, makeTestCa, makeTestIntermediate, withVirtualDaemonTestbed, type VirtualDaemonTestbed, FAST_LINKS } from '../helpers/static-nodes.js';

const WAIT_MS = 10_000;
/** A link's chain is re-checked at least every 10 s: an expiry reached by a clock step is seen within that. */
const EXPIRY_WAIT_MS = 15_000;
const DAY_MS = 86_400_000;
/** A refused peer redials with capped backoff: after a few refusals the next try can be many seconds away. */
const REDIAL_WAIT_MS = 25_000;

const peerOf = (d: Daemon) => `127.0.0.1:${d.links.port}`;
const linked = (d: Daemon, other: Daemon) => d.links.allLinks().some((l) => l.peer.idText === other.identity.key.idText);
const hasMember = (d: Daemon, other: Daemon) => d.routing.members().some((m) => m.id === other.identity.key.idText);
const hasSession = (d: Daemon, other: Daemon) => d.data.sessions.identities().some((p) => p.idText === other.identity.key.idText);

function recordEvents(d: Daemon): NodeEvent[] {
  const events: NodeEvent[] = [];
  d.events.subscribe((e) => events.push(e));
  return events;
}

function recordSecurity(d: Daemon): SecurityEvent[] {
  const events: SecurityEvent[] = [];
  d.links.on('security', (e) => events.push(e));
  return events;
}

/** Prepend `line` to a node's config (top-level keys go before the tables). */
function addConfigLine(config: string, line: string): void {
  writeFileSync(config, `${line}\n${readFileSync(config, 'utf8')}`);
}

/** How long a revoked static peer keeps redialing (a few tries) while we watch that it stays out. */
const REDIAL_WATCH_MS = 4_000;

/** `revoked` keeps redialing `d`: its chain is refused by `d`'s link check, and no link forms. */
async function refusesRedials(bed: VirtualDaemonTestbed, d: Daemon, revoked: Daemon, when: string): Promise<void> {
  assert.throws(() => makePeerAuthenticator(d.trust, () => bed.clock.now())(revoked.identity.chain, revoked.identity.key.dh.publicKey), { code: 'SKEIN_ERR_CERT_REVOKED' }, `${when}: the link check refuses the revoked chain`);
  await bed.advance(REDIAL_WATCH_MS);
  assert.equal(linked(d, revoked), false, `${when}: no link with the revoked node`);
  assert.ok(revoked.links.counters.dialsStarted > 0, `${when}: the revoked node kept dialing`);
}

async function pingOnce(bed: VirtualDaemonTestbed, from: Daemon, to: Daemon): Promise<void> {
  await bed.waitFor(async () => {
    const s = await from.prober.ping(to.identity.key.idText, { count: 1, intervalMs: 100, timeoutMs: 1000, size: 0 }, () => {}, () => false);
    return s.received === 1;
  }, { timeoutMs: WAIT_MS, what: `a ping from ${from.identity.self.name} to ${to.identity.self.name}` });
}

test('revoking an intermediate at one node ends the links, sessions and records of every node it signed, at every node', () =>
  withVirtualDaemonTestbed('skein-trust-', async (bed) => {
    const ca = makeTestCa(join(bed.root, 'ca'), 'testnet');
    const edge = makeTestIntermediate(join(bed.root, 'edge'), ca, 'edge');
    const a = await bed.start(makeStaticNode(bed.root, ca, 'alpha', [], FAST_LINKS));
    const b = await bed.start(makeStaticNode(bed.root, ca, 'beta', [peerOf(a)], FAST_LINKS));
    const c = await bed.start(makeStaticNode(bed.root, edge, 'charlie', [peerOf(b)], FAST_LINKS, join(ca, 'ca.crt')));
    await bed.waitFor(() => hasMember(a, c) && linked(b, c), { timeoutMs: WAIT_MS, what: 'alpha to learn charlie through beta' });
    await pingOnce(bed, a, c);
    assert.ok(hasSession(a, c), 'alpha holds a session with charlie');
    const aEvents = recordEvents(a);
    const bSecurity = recordSecurity(b);

    // The operator gives the list revoking the intermediate to alpha only.
    const edgeId = nodeIdToText(nodeIdFromPublicKey(loadSigner(edge).certificate.publicKey));
    const crl = issueRevocationList(loadSigner(ca), { previous: null, revoke: [nodeIdFromText(edgeId)], nowMs: bed.clock.now() });
    const aConfig = join(bed.root, 'alpha', 'skein.toml');
    saveRevocationList(join(bed.root, 'alpha', 'revoked.crl'), crl);
    addConfigLine(aConfig, 'revocations = ["revoked.crl"]');
    const started = bed.clock.monotonic();
    await a.reload();

    await bed.waitFor(() => !hasSession(a, c) && !hasMember(a, c), { timeoutMs: WAIT_MS, what: 'alpha to end its session with charlie and purge its record' });
    const atAlpha = bed.clock.monotonic() - started;
    await bed.waitFor(() => !linked(b, c) && !hasMember(b, c), { timeoutMs: WAIT_MS, what: 'beta, which only heard the list from the mesh, to close its link to charlie' });
    const atBeta = bed.clock.monotonic() - started;
    console.log(`# intermediate revoked at alpha: alpha done after ${atAlpha.toFixed(0)} ms, beta (flooded) after ${atBeta.toFixed(0)} ms (virtual time)`);

    const kinds = aEvents.filter((e) => e.type === 'security').map((e) => e.kind);
    assert.ok(kinds.includes('session-ended'), `alpha's events: ${kinds.join(', ')}`);
    assert.ok(kinds.includes('record-purged'), `alpha's events: ${kinds.join(', ')}`);
    const ended = aEvents.find((e) => e.kind === 'session-ended');
    assert.equal(ended?.id, c.identity.key.idText, 'the event names the node');
    assert.match(String(ended?.reason), new RegExp(`intermediate signer ${edgeId}`), 'and the key and the reason');
    const closed = bSecurity.find((e) => e.type === 'revoked' && e.id === c.identity.key.idText);
    assert.ok(closed, 'beta raised a security event for the closed link');
    assert.equal(closed?.code, 'SKEIN_ERR_CERT_REVOKED');
  }));

test('a list learned from the mesh is stored, and neither a reload nor a restart lets the revoked node back in', () =>
  withVirtualDaemonTestbed('skein-trust-', async (bed) => {
    const ca = makeTestCa(join(bed.root, 'ca'), 'testnet');
    const a = await bed.start(makeStaticNode(bed.root, ca, 'alpha', [], FAST_LINKS));
    const bConfig = makeStaticNode(bed.root, ca, 'beta', [peerOf(a)], FAST_LINKS);
    let b = await bed.start(bConfig);
    const c = await bed.start(makeStaticNode(bed.root, ca, 'charlie', [peerOf(b)], FAST_LINKS));
    await bed.waitFor(() => linked(a, b) && linked(b, c), { timeoutMs: WAIT_MS, what: 'the line alpha - beta - charlie' });

    // Only alpha's config names the list; beta learns it through the mesh.
    const crl = issueRevocationList(loadSigner(ca), { previous: null, revoke: [nodeIdFromText(c.identity.key.idText)], nowMs: bed.clock.now() });
    saveRevocationList(join(bed.root, 'alpha', 'revoked.crl'), crl);
    addConfigLine(join(bed.root, 'alpha', 'skein.toml'), 'revocations = ["revoked.crl"]');
    await a.reload();
    await bed.waitFor(() => !linked(b, c), { timeoutMs: WAIT_MS, what: 'beta to close its link to charlie' });
    const stored = join(bed.root, 'beta', REVOCATIONS_DIR, `${nodeIdToText(crl.issuerKeyId)}.crl`);
    assert.ok(existsSync(stored), `beta stored the learned list at ${stored}`);

    // A reload rebuilds trust from beta's files, which name no list: the learned one holds.
    await b.reload();
    assert.equal(b.trust.isRevoked(c.identity.key.idText), true, 'the revocation survives a reload');
    await refusesRedials(bed, b, c, 'after the reload');

    // A restart reads the stored list back (on the same port, which charlie keeps dialing).
    writeFileSync(bConfig, readFileSync(bConfig, 'utf8').replace(/^port = 0$/m, `port = ${b.links.port}`));
    await bed.stop(b);
    b = await bed.start(bConfig);
    assert.equal(b.trust.isRevoked(c.identity.key.idText), true, 'the revocation survives a restart');
    await refusesRedials(bed, b, c, 'after the restart');
  }));

test('a list flooded after a reload removed a CA does not make that CA trusted again', () =>
  withVirtualDaemonTestbed('skein-trust-', async (bed) => {
    const ca = makeTestCa(join(bed.root, 'ca'), 'testnet');
    const ca2 = makeTestCa(join(bed.root, 'ca2'), 'testnet', ca);
    // alpha and beta trust both CAs of the rotation; charlie is certified by the second.
    const both = (name: string, peers: string[], signer = ca) => {
      const config = makeStaticNode(bed.root, signer, name, peers, FAST_LINKS);
      copyFileSync(join(signer === ca ? ca2 : ca, 'ca.crt'), join(bed.root, name, 'other-ca.crt'));
      writeFileSync(config, readFileSync(config, 'utf8').replace(/^ca = \[(.*)\]$/m, 'ca = [$1, "other-ca.crt"]'));
      return config;
    };
    const aConfig = both('alpha', []);
    const a = await bed.start(aConfig);
    const b = await bed.start(both('beta', [peerOf(a)]));
    const c = await bed.start(both('charlie', [peerOf(a)], ca2));
    await bed.waitFor(() => linked(a, c) && linked(a, b) && hasMember(a, c), { timeoutMs: WAIT_MS, what: 'alpha linked to beta and charlie, with charlie\'s record' });
    const ca2Id = nodeIdToText(nodeIdFromPublicKey(loadSigner(ca2).certificate.publicKey));
    const aSecurity = recordSecurity(a);
    const aEvents = recordEvents(a);

    // alpha stops trusting the second CA: charlie's link ends at once.
    writeFileSync(aConfig, readFileSync(aConfig, 'utf8').replace(', "other-ca.crt"', ''));
    await a.reload();
    await bed.waitFor(() => !linked(a, c), { timeoutMs: WAIT_MS, what: 'alpha to close charlie\'s link' });
    assert.ok(aSecurity.some((e) => e.type === 'untrusted' && e.id === c.identity.key.idText), 'a security event names charlie');
    // Charlie's record goes too, and its event gives the reason's code: an untrusted CA, not a revocation.
    await bed.waitFor(() => !hasMember(a, c), { timeoutMs: WAIT_MS, what: 'alpha to drop charlie\'s record' });
    const purged = aEvents.find((e) => e.type === 'security' && e.kind === 'record-purged' && e.id === c.identity.key.idText);
    assert.equal(purged?.code, 'SKEIN_ERR_CERT_UNKNOWN_ISSUER', JSON.stringify(purged));
    assert.match(String(purged?.reason), /is no longer trusted/);

    // beta issues a newer list (from the first CA) and floods it to alpha.
    const crl = issueRevocationList(loadSigner(ca), { previous: null, revoke: [], nowMs: bed.clock.now() });
    saveRevocationList(join(bed.root, 'beta', 'revoked.crl'), crl);
    addConfigLine(join(bed.root, 'beta', 'skein.toml'), 'revocations = ["revoked.crl"]');
    await b.reload();
    await bed.waitFor(() => a.trust.anchors.revocations.some((l) => l.sequence === crl.sequence), { timeoutMs: WAIT_MS, what: 'alpha to install beta\'s list' });
    assert.equal(a.trust.isTrustedCa(ca2Id), false, 'the removed CA stays removed');
    await bed.waitFor(() => aSecurity.some((e) => e.type === 'auth-failed' && e.code === 'SKEIN_ERR_CERT_UNKNOWN_ISSUER'), { timeoutMs: REDIAL_WAIT_MS, what: 'charlie\'s redial to be refused' });
    assert.equal(linked(a, c), false);
  }));

test('when the intermediate certificate in a chain expires, its nodes\' links, sessions and records end', () =>
  withVirtualDaemonTestbed('skein-trust-', async (bed) => {
    const ca = makeTestCa(join(bed.root, 'ca'), 'testnet');
    const edge = makeTestIntermediate(join(bed.root, 'edge'), ca, 'edge');
    const clock = new SteppedClock(bed.clock);
    const a = await bed.start(makeStaticNode(bed.root, ca, 'alpha', [], FAST_LINKS), { clock });
    const cConfig = makeStaticNode(bed.root, edge, 'charlie', [peerOf(a)], FAST_LINKS, join(ca, 'ca.crt'));
    // charlie's certificate (a year) is valid, but the intermediate certificate its chain carries
    // is a re-issue of the same signer key that ends after one day: the chain ends with it.
    const signer = loadSigner(edge);
    const shortLived: Certificate = issueIntermediate(loadSigner(ca), { publicKey: signer.certificate.publicKey, name: 'edge', nowMs: bed.clock.now(), days: 1 });
    const certPath = join(bed.root, 'charlie', 'node.crt');
    const [nodeCert] = loadCertificates(certPath);
    assert.ok(nodeCert !== undefined && nodeCert.notAfter > shortLived.notAfter + 86_400);
    saveCertificates(certPath, [nodeCert, shortLived], { force: true });
    const c = await bed.start(cConfig);
    await bed.waitFor(() => linked(a, c) && hasMember(a, c), { timeoutMs: WAIT_MS, what: 'alpha linked to charlie' });
    await pingOnce(bed, a, c);
    const aSecurity = recordSecurity(a);

    clock.step(2 * DAY_MS);
    await bed.waitFor(() => !linked(a, c) && !hasSession(a, c) && !hasMember(a, c), { timeoutMs: EXPIRY_WAIT_MS, what: 'alpha to end charlie\'s link, session and record' });
    const expired = aSecurity.find((e) => e.type === 'expired' && e.id === c.identity.key.idText);
    assert.ok(expired, 'a security event names charlie');
    assert.equal(expired?.code, 'SKEIN_ERR_CERT_EXPIRED');
  }));
