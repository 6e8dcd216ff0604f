/**
 * Revoking an intermediate signer on a real network: a 5-node line
 * n1 - n2 - n3 - n4 - n5 where n5 is certified by an intermediate ('branch')
 * and the others by the cluster CA. Every node holds a session with n5
 * (each pings it first). The operator revokes the intermediate with
 * `skein ca revoke` and gives the list to n1 only (its config names the file,
 * then a reload). The list floods; every node must end its links, sessions
 * and record of n5 — none of which ever used the revoked key itself, only a
 * key it was signed by — and store the list it learned.
 *
 * Printed: how long after the reload each node had dropped all three
 * (polled over the admin API) and when its daemon reported it (`skein
 * events` timestamps).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { initMesh, nodeConfigPath, signerCertificatePath, startDaemons, waitForDaemons, type Lab } from '../../src/lab/index.js';
import { REVOCATIONS_DIR } from '../../src/node/revocation-files.js';
import { runSkein } from '../helpers/cli.js';
import { withLab } from '../helpers/lab.js';
import { admin, eventsOf, followEvents, members, skein, skeinJson, type StreamedEvent } from '../helpers/mesh-node.js';
import { waitFor } from '../helpers/wait.js';
import type { MemberInfo } from '../../src/control/protocol.js';

const TUNING = { discoveryIntervalMs: 1000, keepaliveMs: 300, deadAfterMs: 1500 };
const SIGNER = 'branch';
const OBSERVERS = ['n1', 'n2', 'n3', 'n4'];
const CONVERGE_MS = 20_000;
/** Bound on how long the revocation may take to end n5 everywhere (it takes well under a second here). */
const DROP_TIMEOUT_MS = 10_000;
const POLL_MS = 25;
/** After the drop: long enough for several of n5's discovery rounds, so a refused re-link would show. */
const STAY_OUT_MS = 3 * TUNING.discoveryIntervalMs;

interface Session { peer: string }
interface Neighbor { id: string }
interface Status { trust: { revocationLists: Array<{ issuer: string; sequence: number; revoked: number }> } }

/** What `node` still holds of member `id`: a link, a session, a record (a route to it). */
async function holdings(lab: Lab, node: string, id: string): Promise<string[]> {
  const [links, sessions, list] = await Promise.all([
    admin(lab, node, 'neighbors') as Promise<Neighbor[]>,
    admin(lab, node, 'sessions') as Promise<Session[]>,
    members(lab, node),
  ]);
  return [
    ...(links.some((l) => l.id === id) ? ['link'] : []),
    ...(sessions.some((s) => s.peer === id) ? ['session'] : []),
    ...(list.some((m) => m.id === id) ? ['record'] : []),
  ];
}

/** Poll until `node` holds nothing of `id`; the time after `t0` when it first held nothing. */
async function timeToDrop(lab: Lab, node: string, id: string, t0: number): Promise<number> {
  const deadline = t0 + DROP_TIMEOUT_MS;
  for (;;) {
    const held = await holdings(lab, node, id);
    if (held.length === 0) return Date.now() - t0;
    if (Date.now() > deadline) throw new Error(`${node} still holds ${held.join(', ')} of n5 ${DROP_TIMEOUT_MS} ms after the reload`);
    await sleep(POLL_MS);
  }
}

function enableRevocationFile(lab: Lab, node: string, file: string): void {
  const path = nodeConfigPath(lab, node);
  const text = readFileSync(path, 'utf8');
  const edited = text.replace(/^# revocations = .*$/m, `revocations = [${JSON.stringify(file)}]`);
  assert.notEqual(edited, text, `${path} has the commented revocations line to enable`);
  writeFileSync(path, edited);
}

test('5-node line: the revocation of n5\'s intermediate, given to n1 only, ends n5\'s links, sessions and records at every node', async () => {
  await withLab({ nodes: 5, topology: 'line' }, async (lab, t) => {
    initMesh(lab, { tuning: TUNING, signers: { [SIGNER]: {} }, certify: { n5: { signer: SIGNER } } });
    startDaemons(lab);
    await waitForDaemons(lab);
    const followers = new Map(OBSERVERS.map((n) => [n, followEvents(lab, t, n)]));
    await waitFor(async () => {
      for (const n of lab.nodes) if ((await members(lab, n)).length !== lab.nodes.length) return false;
      return true;
    }, { timeoutMs: CONVERGE_MS, what: 'every node to list all 5 members' });
    const n5 = (await members(lab, 'n1')).find((m) => m.name === 'n5')!;

    // n5's chain really runs through the intermediate: its certificate file holds both.
    const chain = readFileSync(join(lab.nodeDir('n5'), 'node.crt'), 'utf8');
    assert.equal(chain.match(/BEGIN SKEIN CERTIFICATE/g)?.length, 2, 'n5 presents node + intermediate certificates');

    // A session with n5 at every node.
    const pings = await Promise.all(OBSERVERS.map((n) => skein(lab, n, ['ping', 'n5', '-c', '1', '-W', '3'])));
    for (const [i, p] of pings.entries()) assert.equal(p.code, 0, `${OBSERVERS[i]} pings n5: ${p.stdout}${p.stderr}`);
    for (const n of OBSERVERS) {
      assert.deepEqual((await holdings(lab, n, n5.id)).filter((h) => h !== 'link'), ['session', 'record'], `${n} holds a session and a record of n5`);
    }
    assert.deepEqual(await holdings(lab, 'n4', n5.id), ['link', 'session', 'record']);
    // Every follower has printed an event (a member joining, a route moving): each is subscribed.
    await waitFor(() => [...followers.values()].every((f) => eventsOf(f).length > 0), { timeoutMs: 10_000, what: 'every event follower to print an event' });

    // The operator's steps: revoke the intermediate, give the list to n1 only.
    const revoked = await runSkein(['ca', 'revoke', '--ca', join(lab.dir, 'ca'), signerCertificatePath(lab.dir, SIGNER)]);
    assert.equal(revoked.code, 0, revoked.stderr);
    copyFileSync(join(lab.dir, 'ca', 'revoked.crl'), join(lab.nodeDir('n1'), 'revoked.crl'));
    enableRevocationFile(lab, 'n1', 'revoked.crl');

    const t0 = Date.now();
    await admin(lab, 'n1', 'reload'); // what `skein reload` (or SIGHUP) asks
    const dropMs = await Promise.all(OBSERVERS.map((n) => timeToDrop(lab, n, n5.id, t0)));

    // Reported by each daemon: the link (n4), the sessions and the records of n5, each naming n5 and its key.
    const reports = new Map<string, StreamedEvent[]>();
    await waitFor(() => {
      for (const n of OBSERVERS) {
        const security = eventsOf(followers.get(n)!).filter((e) => e.type === 'security' && e.id === n5.id);
        const kinds = new Set(security.map((e) => e.kind));
        if (!kinds.has('session-ended') || !kinds.has('record-purged') || (n === 'n4' && !kinds.has('revoked'))) return false;
        reports.set(n, security);
      }
      return true;
    }, { timeoutMs: 5_000, what: 'security events for n5 at every node' });

    const lines = OBSERVERS.map((n, i) => {
      const evs = reports.get(n)!;
      const at = (kind: string) => { const e = evs.find((x) => x.kind === kind); return e ? `${kind} +${Date.parse(e.time) - t0} ms` : undefined; };
      return `#   ${n} (${i === 0 ? 'reloaded' : `${i} hop${i > 1 ? 's' : ''} from n1`}): held nothing of n5 at +${dropMs[i]} ms (polled); events: ${['revoked', 'session-ended', 'record-purged'].map(at).filter(Boolean).join(', ')}`;
    });
    process.stdout.write(`# revocation of n5's intermediate, given to n1 only (${new Date().toISOString().slice(0, 10)}):\n${lines.join('\n')}\n`);

    for (const n of OBSERVERS) {
      for (const e of reports.get(n)!) {
        assert.equal(e.peer, 'n5', `${n}: the event names the node`);
        assert.equal(e.code, 'SKEIN_ERR_CERT_REVOKED', `${n}: ${String(e.reason)}`);
        assert.match(String(e.reason), /intermediate signer [0-9a-f]+ is revoked|revoked/, `${n}: the reason names the revoked signer`);
      }
      const ended = reports.get(n)!.find((e) => e.kind === 'session-ended')!;
      assert.match(String(ended.reason), /its intermediate signer/, `${n}: ${String(ended.reason)}`);
    }

    // n5 stays out: its re-dials are refused, nothing of it comes back; every node stored the list it learned.
    await sleep(STAY_OUT_MS);
    const caId = ((await admin(lab, 'n1', 'status')) as Status).trust.revocationLists[0]?.issuer;
    assert.ok(caId, 'n1 holds the list');
    await Promise.all(OBSERVERS.map(async (n) => {
      const list = await skeinJson<MemberInfo[]>(lab, n, ['nodes']);
      assert.deepEqual(list.map((m) => m.name).sort(), ['n1', 'n2', 'n3', 'n4'], `skein nodes at ${n} no longer lists n5`);
      assert.deepEqual(await holdings(lab, n, n5.id), [], `${n} holds nothing of n5`);
      const status = (await admin(lab, n, 'status')) as Status;
      assert.deepEqual(status.trust.revocationLists, [{ issuer: caId, sequence: 1, revoked: 1 }], `${n} holds the list`);
      if (n !== 'n1') assert.ok(existsSync(join(lab.nodeDir(n), REVOCATIONS_DIR, `${caId}.crl`)), `${n} stored the list it learned from the mesh`);
    }));
    const again = await skein(lab, 'n1', ['ping', 'n5', '-c', '1', '-W', '1']);
    assert.notEqual(again.code, 0, 'n1 can no longer reach n5');
    assert.match(again.stderr, /no reachable member 'n5'/);
  });
});
