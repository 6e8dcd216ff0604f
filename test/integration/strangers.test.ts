/**
 * Strangers on the segment cost a bounded share (docs/limits.md), on a real
 * network: a victim daemon (n1) on a bridge, an attacker process in n2's
 * namespace (no daemon there; fixtures/forger.ts), and a genuine node (n3)
 * started in the middle of the attack, which must still link.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { adminCall } from '../../src/control/client.js';
import { loadTrustAnchors } from '../../src/identity/files.js';
import { initMesh, startDaemons, waitForDaemons, type Lab } from '../../src/lab/index.js';
import { MESH_CA_DIR } from '../../src/lab/mesh.js';
import { withLab } from '../helpers/lab.js';
import { waitFor } from '../helpers/wait.js';
import { anonymousRssBytes, cpuSeconds } from '../helpers/proc.js';
import type { NeighborInfo } from '../../src/control/protocol.js';

const FORGER = join(import.meta.dirname, 'fixtures', 'forger.ts');
const TUNING = { discoveryIntervalMs: 1000, keepaliveMs: 300, deadAfterMs: 1500 };
const JOIN_DEADLINE_MS = 5_000;
const MIB = 1024 * 1024;
/** The defaults the victim runs with (src/link/dial-budget.ts): per interface 10/s, burst 20. */
const DIALS_PER_INTERFACE_PER_SECOND = 10;
const DIAL_BURST = 20;

interface Status { pid: number; id: string; counters: { links: Record<string, number>; discovery: Record<string, number> }; linkTables: Record<string, number> }

const socketOf = (lab: Lab, node: string) => join(lab.nodeDir(node), 'skein.sock');
const status = async (lab: Lab, node: string) => (await adminCall(socketOf(lab, node), 'status')) as Status;
const neighbors = async (lab: Lab, node: string) => (await adminCall(socketOf(lab, node), 'neighbors')) as NeighborInfo[];
/**
 * CPU the victim may spend on each attack, as a share of one core over the
 * attack: about twice what the bounded victim was measured to use
 * (docs/limits.md), so a bound that stops holding fails here.
 */
const ADVERT_FLOOD_CPU_BUDGET = 0.35;
const TCP_FLOOD_CPU_BUDGET = 0.3;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const forgerArgv = (...args: Array<string | number>) => [process.execPath, '--import', import.meta.resolve('tsx'), FORGER, ...args.map(String)];

/** Give the attacker's interface `count` more link-local addresses fe80::PREFIX:1..count (no duplicate address detection). */
async function addSources(lab: Lab, node: string, ifname: string, prefix: string, count: number): Promise<void> {
  const batch = Array.from({ length: count }, (_, i) => `address add fe80::${prefix}:${(i + 1).toString(16)}/64 dev ${ifname} nodad`).join('\n');
  const r = await lab.exec(node, ['sh', '-c', `printf '%s\\n' "${batch.replace(/"/g, '\\"')}" | ip -batch -`]);
  assert.equal(r.code, 0, r.stderr);
}

/** Start n3 and measure how long until n1 and n3 list each other. */
async function joinDuring(lab: Lab): Promise<number> {
  const t0 = Date.now();
  startDaemons(lab, ['n3']);
  await waitFor(async () => {
    const [a, b] = await Promise.all([neighbors(lab, 'n1'), neighbors(lab, 'n3').catch(() => [])]);
    return a.some((n) => n.name === 'n3') && b.some((n) => n.name === 'n1');
  }, { timeoutMs: 20_000, intervalMs: 50, what: 'n3 linked to n1 during the attack' });
  return Date.now() - t0;
}

/**
 * What the advertisement flood may add to the victim's anonymous RSS (its
 * heaps; the executable's code pages that the flood's paths fault back in
 * are not kept state). V8 sizes its old
 * generation from the live heap, so 30 s of short-lived parsing garbage
 * grows the heap by several MiB before the next full collection (8.7 and
 * 11.3 MiB in two runs on a 2-core machine). Kept state is what this must
 * catch: 100,000 forged advertisements leaving even 170 bytes each behind
 * would fail it.
 */
const ADVERT_FLOOD_RSS_GROWTH_BOUND = 16 * MIB;

test('100,000 forged advertisements in 30 s: the victim\'s memory and dials stay bounded, and a node joining meanwhile links within 5 s', async () => {
  await withLab({ nodes: 3, topology: 'bridge' }, async (lab, t) => {
    initMesh(lab, { tuning: TUNING });
    startDaemons(lab, ['n1']);
    await waitForDaemons(lab, ['n1']);
    await sleep(2_000); // let start-up allocations settle before the baseline
    const before = await status(lab, 'n1');
    const rssBefore = anonymousRssBytes(before.pid);
    const cpuBefore = cpuSeconds(before.pid);
    const ifname = lab.interfaces('n2')[0]!.ifname;
    const sources = 200;
    await addSources(lab, 'n2', ifname, 'a', sources);
    const cluster = Buffer.from(loadTrustAnchors([join(lab.dir, MESH_CA_DIR, 'ca.crt')]).clusterId).toString('hex');
    const started = Date.now();
    const forger = t.start('n2', forgerArgv('adverts', ifname, cluster, 100_000, 30_000, sources), { label: 'forger adverts' });
    await sleep(10_000);
    const joinMs = await joinDuring(lab);
    await forger.waitForLine(/"mode":"adverts"/, 60_000);
    const floodMs = Date.now() - started;
    await sleep(1_000);
    const after = await status(lab, 'n1');
    const rssAfter = anonymousRssBytes(after.pid);
    const cpuShare = (cpuSeconds(after.pid) - cpuBefore) / ((Date.now() - started) / 1000);
    const summary = JSON.parse(forger.stdoutLines().find((l) => l.includes('"mode":"adverts"'))!) as { sent: number; ms: number };
    const d = after.counters.discovery;
    const dials = after.counters.links.dialsStarted! - before.counters.links.dialsStarted!;
    const allowed = DIALS_PER_INTERFACE_PER_SECOND * (floodMs / 1000) + DIAL_BURST + 2; // + n3 (exempt once known) and slack of one
    console.log(`# forged: ${summary.sent} advertisements in ${summary.ms} ms from ${sources} sources`);
    console.log(`# victim anonymous RSS ${(rssBefore / MIB).toFixed(1)} -> ${(rssAfter / MIB).toFixed(1)} MiB (+${((rssAfter - rssBefore) / MIB).toFixed(1)} MiB)`);
    console.log(`# victim discovery: received ${d.received}, accepted ${d.accepted}, rateLimitedSource ${d.rateLimitedSource}, rateLimitedStrangerSource ${d.rateLimitedStrangerSource}, rateLimitedGlobal ${d.rateLimitedGlobal}`);
    console.log(`# victim dials during ${floodMs} ms: ${dials} (allowed ${allowed.toFixed(0)}); rate-limited ${after.counters.links.dialsRateLimitedInterface} per interface, ${after.counters.links.dialsRateLimitedTotal} total; tables ${JSON.stringify(after.linkTables)}`);
    console.log(`# n3 started 10 s into the flood and linked with n1 ${joinMs} ms later`);
    console.log(`# victim CPU over the flood: ${(cpuShare * 100).toFixed(1)} % of a core (budget ${ADVERT_FLOOD_CPU_BUDGET * 100} %)`);
    assert.ok(cpuShare <= ADVERT_FLOOD_CPU_BUDGET, `victim CPU ${(cpuShare * 100).toFixed(1)} % of a core`);
    assert.ok(summary.sent === 100_000, `the forger sent ${summary.sent}`);
    assert.ok(rssAfter - rssBefore < ADVERT_FLOOD_RSS_GROWTH_BOUND, `anonymous RSS grew ${((rssAfter - rssBefore) / MIB).toFixed(1)} MiB`);
    assert.ok(dials <= allowed, `dials ${dials} > ${allowed}`);
    // Of two nodes the lower id dials at once and the higher waits for it, so
    // the victim wants to dial only the forged ids above its own (each forged
    // key is fresh and never comes back after the wait). Its random id decides
    // how many that is: the budget can only bind when they come faster than it.
    const aboveVictim = 1 - Number.parseInt(after.id.slice(0, 8), 16) / 2 ** 32;
    const wantedPerSecond = ((d.accepted ?? 0) * aboveVictim) / (floodMs / 1000);
    console.log(`# the victim's id is above ${((1 - aboveVictim) * 100).toFixed(0)} % of ids: it wanted ~${wantedPerSecond.toFixed(0)} dials/s (budget ${DIALS_PER_INTERFACE_PER_SECOND}/s)`);
    if (wantedPerSecond > 2 * DIALS_PER_INTERFACE_PER_SECOND) {
      assert.ok(after.counters.links.dialsRateLimitedInterface! > 0, 'the dial budget did bind');
    }
    assert.ok(joinMs < JOIN_DEADLINE_MS, `n3 linked after ${joinMs} ms`);
    for (const [table, size] of Object.entries(after.linkTables)) assert.ok(size <= 1024, `${table} ${size}`);
  });
});

test('32 idle TCP connections held open plus a connection flood: a genuine neighbour still links within 5 s', async () => {
  await withLab({ nodes: 3, topology: 'bridge' }, async (lab, t) => {
    initMesh(lab, { tuning: TUNING });
    startDaemons(lab, ['n1']);
    await waitForDaemons(lab, ['n1']);
    const n1if = lab.interfaces('n1')[0]!.ifname;
    const n1 = (await lab.status()).nodes.find((n) => n.name === 'n1')!.interfaces.find((i) => i.ifname === n1if)!.linkLocal!;
    const ifname = lab.interfaces('n2')[0]!.ifname;
    await addSources(lab, 'n2', ifname, 'b', 32);
    await addSources(lab, 'n2', ifname, 'c', 64);
    const victimPid = (await status(lab, 'n1')).pid;
    await waitFor(async () => (await adminCall(socketOf(lab, 'n1'), 'status') as { listenAddresses: string[] }).listenAddresses.length > 0, { timeoutMs: 5_000, what: 'n1 listening on its link-local address' });
    const flood = 3_000;
    const cpuBefore = cpuSeconds(victimPid);
    const attackStarted = Date.now();
    const forger = t.start('n2', forgerArgv('tcp', ifname, n1, 7460, 32, flood, 20_000, 64), { label: 'forger tcp' });
    await forger.waitForLine(/idle held/, 15_000);
    await sleep(3_000); // the flood is under way
    const joinMs = await joinDuring(lab);
    await forger.waitForLine(/"phase":"done"/, 60_000);
    const cpuShare = (cpuSeconds(victimPid) - cpuBefore) / ((Date.now() - attackStarted) / 1000);
    const s = await status(lab, 'n1');
    const l = s.counters.links;
    const held = JSON.parse(forger.stdoutLines().find((x) => x.includes('idle held'))!) as { idleConnected: number };
    const done = JSON.parse(forger.stdoutLines().find((x) => x.includes('"phase":"done"'))!) as Record<string, number>;
    console.log(`# attacker: ${held.idleConnected} idle connections held, then ${flood} more in 20 s from 64 addresses: ${JSON.stringify(done)}`);
    console.log(`# victim: accepted ${l.inboundAccepted}, refused busy ${l.inboundRefusedBusy}, per-source rate ${l.inboundRefusedSourceRate}, per-source pending ${l.inboundRefusedSourcePending}, evicted ${l.inboundEvicted}, refused initiation (mac1) ${l.inboundRefusedInitiation}`);
    console.log(`# n3 started during the flood and linked with n1 ${joinMs} ms later`);
    console.log(`# victim CPU over the attack: ${(cpuShare * 100).toFixed(1)} % of a core (budget ${TCP_FLOOD_CPU_BUDGET * 100} %)`);
    assert.ok(cpuShare <= TCP_FLOOD_CPU_BUDGET, `victim CPU ${(cpuShare * 100).toFixed(1)} % of a core`);
    assert.equal(held.idleConnected, 32);
    assert.ok(l.inboundRefusedInitiation! > 0, 'wrong-mac1 first frames were refused');
    assert.ok(joinMs < JOIN_DEADLINE_MS, `n3 linked after ${joinMs} ms`);
  });
});
