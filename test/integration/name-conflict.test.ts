/**
 * One name, two valid certificates, on a real network: a 5-node line
 *
 *   n1 (observer) - n2 web1 (old) - n3 - n4 web1 (new) - n5 (observer)
 *
 * n2 holds the original `web1` certificate, issued by the CA a day ago; n4
 * a second `web1`, issued now by an intermediate allowed `web*` (the CA's
 * mistake, or a signer's). Each observer is one hop from a different web1.
 * The mesh starts in two halves (n3 down): each observer sees only its
 * neighbour's web1. When n3 joins them, both observers must resolve `web1`
 * to the same member — the newer certificate, n4, three hops from n1 — in
 * `skein ping`, in DNS and in hosts, raise `nameConflict` (event stream,
 * status counter, warn log) and mark both members in `skein nodes`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { initMesh, startDaemons, waitForDaemons, type Lab } from '../../src/lab/index.js';
import { withLab } from '../helpers/lab.js';
import { admin, adminPing, eventsOf, followEvents, members, skein, skeinJson } from '../helpers/mesh-node.js';
import { waitFor } from '../helpers/wait.js';

const TUNING = { discoveryIntervalMs: 1000, keepaliveMs: 300, deadAfterMs: 1500 };
const OBSERVERS = ['n1', 'n5'] as const;
const HALVES = ['n1', 'n2', 'n4', 'n5'];
const DAY_MS = 24 * 60 * 60 * 1000;
const CONVERGE_MS = 20_000;

interface Status { address: string; nameConflicts: { current: Array<{ name: string; holder: string; members: string[] }>; seen: number } }
interface Ping { replies: Array<{ hops: number }>; summary: { id: string; received: number } }

const names = async (lab: Lab, node: string) => (await members(lab, node)).map((m) => m.name).sort();

/** The AAAA answers of the node's own DNS responder (on its TUN address) for `name`. */
async function aaaa(lab: Lab, node: string, name: string): Promise<string[]> {
  const { address } = (await admin(lab, node, 'status')) as Status;
  const r = await lab.exec(node, ['dig', '+short', '+time=2', '+tries=2', `@${address}`, 'AAAA', name], { timeoutMs: 15_000 });
  assert.equal(r.code, 0, `dig in ${node}: ${r.stdout}${r.stderr}`);
  return r.stdout.split('\n').map((l) => l.trim()).filter(Boolean);
}

test('two members certified as web1: both observers resolve it to the newer certificate, in ping, DNS and hosts, and both raise nameConflict', async () => {
  await withLab({ nodes: 5, topology: 'line' }, async (lab, t) => {
    initMesh(lab, {
      tuning: TUNING,
      signers: { websigner: { namePatterns: ['web*'] } },
      certify: { n2: { name: 'web1', issuedAtMs: Date.now() - DAY_MS }, n4: { name: 'web1', signer: 'websigner' } },
    });
    startDaemons(lab, HALVES);
    await waitForDaemons(lab, HALVES);
    const followers = new Map(OBSERVERS.map((n) => [n, followEvents(lab, t, n)]));
    await waitFor(async () => (await names(lab, 'n1')).join() === 'n1,web1' && (await names(lab, 'n5')).join() === 'n5,web1',
      { timeoutMs: CONVERGE_MS, what: 'each half to see its own web1' });
    const oldWeb = (await members(lab, 'n1')).find((m) => m.name === 'web1')!;
    const newWeb = (await members(lab, 'n5')).find((m) => m.name === 'web1')!;
    assert.ok(newWeb.certifiedSinceMs - oldWeb.certifiedSinceMs > DAY_MS / 2, 'n4\'s certificate is the newer one');
    // Apart, each observer reaches the only web1 it knows, one hop away.
    assert.equal((await adminPing(lab, 'n1', 'web1')).id, oldWeb.id);
    assert.equal((await adminPing(lab, 'n5', 'web1')).id, newWeb.id);
    await waitFor(() => [...followers.values()].every((f) => eventsOf(f).length > 0), { timeoutMs: 10_000, what: 'both event followers to print an event' });

    startDaemons(lab, ['n3']);
    await waitForDaemons(lab, ['n3']);
    await waitFor(async () => {
      for (const n of lab.nodes) if ((await members(lab, n)).length !== lab.nodes.length) return false;
      return true;
    }, { timeoutMs: CONVERGE_MS, what: 'every node to list all 5 members once n3 joins the halves' });

    const zoneName = `web1.${lab.name}.skein`;
    const [pings, dns, statuses, tables] = await Promise.all([
      Promise.all(OBSERVERS.map((n) => skeinJson<Ping>(lab, n, ['ping', 'web1', '-c', '2', '-i', '0.2', '-W', '3']))),
      Promise.all(OBSERVERS.map((n) => aaaa(lab, n, zoneName))),
      Promise.all(OBSERVERS.map((n) => skeinJson<Status>(lab, n, ['status']))),
      Promise.all(OBSERVERS.map((n) => skein(lab, n, ['nodes']))),
    ]);
    const lists = await Promise.all(OBSERVERS.map((n) => members(lab, n)));
    process.stdout.write([
      `# web1 old ${oldWeb.id.slice(0, 8)} (n2, CA, notBefore ${new Date(oldWeb.certifiedSinceMs).toISOString()}), new ${newWeb.id.slice(0, 8)} (n4, intermediate 'web*', notBefore ${new Date(newWeb.certifiedSinceMs).toISOString()})`,
      ...OBSERVERS.map((n, i) => `# ${n}: ping web1 -> ${pings[i]!.summary.id.slice(0, 8)} (${pings[i]!.replies[0]?.hops} hops), DNS AAAA ${dns[i]!.join(' ')}, nameConflicts.seen ${statuses[i]!.nameConflicts.seen}`),
      '',
    ].join('\n'));

    for (const [i, n] of OBSERVERS.entries()) {
      // The same member from both sides: the newer certificate, wherever it sits.
      assert.equal(pings[i]!.summary.id, newWeb.id, `skein ping web1 at ${n}`);
      assert.equal(pings[i]!.summary.received, 2, `${n}: web1 answers`);
      assert.equal(pings[i]!.replies[0]?.hops, n === 'n1' ? 3 : 1, `${n}: the answer comes from n4's distance`);
      assert.deepEqual(dns[i], [newWeb.address], `DNS at ${n} answers web1 with n4's address`);

      const status = statuses[i]!;
      assert.ok(status.nameConflicts.seen >= 1, `${n}: status counts the conflict`);
      assert.deepEqual(status.nameConflicts.current, [{ name: 'web1', holder: newWeb.id, members: [newWeb.id, oldWeb.id] }]);

      const raised = eventsOf(followers.get(n)!).filter((e) => e.type === 'nameConflict');
      assert.ok(raised.some((e) => e.name === 'web1' && e.holder === newWeb.id && JSON.stringify(e.members) === JSON.stringify([newWeb.id, oldWeb.id])),
        `skein events at ${n} streamed the conflict: ${JSON.stringify(raised)}`);
      const warned = readFileSync(join(lab.nodeDir(n), 'skein.log'), 'utf8').split('\n')
        .filter((l) => l.includes('"event":"nameConflict"')).map((l) => JSON.parse(l) as { level: string; name: string });
      assert.ok(warned.some((l) => l.name === 'web1' && l.level === 'warn'), `${n} logged the conflict at warn`);

      const both = lists[i]!.filter((m) => m.name === 'web1');
      assert.deepEqual(both.map((m) => m.id).sort(), [newWeb.id, oldWeb.id].sort());
      assert.ok(both.every((m) => m.nameConflict), `skein nodes --json at ${n} flags both`);
      const rows = tables[i]!.stdout.split('\n').filter((l) => l.startsWith('web1'));
      assert.equal(rows.length, 2, tables[i]!.stdout);
      assert.ok(rows.every((r) => r.includes('[CONFLICT')), `skein nodes at ${n} marks both:\n${rows.join('\n')}`);
      assert.ok(rows.find((r) => r.includes(newWeb.id.slice(0, 8)))?.includes('[CONFLICT: holds the name]'), `the holder is n4:\n${rows.join('\n')}`);
    }
    // Every node, the relays and both web1s included, writes the same hosts line.
    for (const n of lab.nodes) {
      const hosts = String(await admin(lab, n, 'hosts'));
      const line = hosts.split('\n').filter((l) => /\sweb1[.\s]/.test(l));
      assert.equal(line.length, 1, `${n} hosts: ${hosts}`);
      assert.ok(line[0]!.startsWith(`${newWeb.address} `) || line[0]!.startsWith(`${newWeb.address}\t`), `${n} hosts: ${line[0]}`);
    }
  });
});
