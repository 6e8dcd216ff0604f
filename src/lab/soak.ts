/**
 * The soak: a lab mesh (by default a 6-node ring plus one chord) carrying
 * continuous traffic (soak-traffic.ts) while seeded random faults — link
 * flaps and kill -9 node restarts, one at a time — hit it for a bounded
 * time. Everything it starts lives in the lab's namespaces and goes with
 * the lab at the end. The analysis and report are soak-report.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { adminCall } from '../control/client.js';
import type { MemoryStatus } from '../control/protocol.js';
import { SeededRandom } from '../util/random.js';
import { createLab } from './build.js';
import type { Lab } from './lab.js';
import { initMesh, NODE_LOG_FILE, startDaemons, waitForDaemons } from './mesh.js';
import { linkKey, waitConverged, type Convergence } from './route-check.js';
import { analyse, type FaultRecord, type MemoryParts, type SoakInput, type SoakReport } from './soak-report.js';
import { PingStream, seededFile, transfer, type TransferResult } from './soak-traffic.js';

export interface SoakOptions {
  minutes: number;
  nodes: number;
  seed: number;
  /** Restart nodes (kill -9) as well as flapping links (default true); without, one process lives the whole run, so its memory can be judged. */
  restarts?: boolean;
  /** Lab name (default: soak + seed-derived suffix). */
  name?: string;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

/** Timers for the soak's daemons, as the fault tests use them. */
export const SOAK_TUNING = { discoveryIntervalMs: 1000, keepaliveMs: 300, deadAfterMs: 1500 };
/** Quiet time between faults, so stable periods exist to measure. */
const QUIET_MIN_MS = 6_000;
const QUIET_SPREAD_MS = 6_000;
/** How long a flapped link stays down. */
const DOWN_MIN_MS = 2_000;
const DOWN_SPREAD_MS = 3_000;
/** Liveness bound on recovery from one fault. */
const RECOVERY_BOUND_MS = 30_000;
const TRANSFER_BYTES = 2 * 1024 * 1024;
const TRANSFER_TIMEOUT_MS = 60_000;
const TRANSFER_PAUSE_MS = 1_000;
const RSS_EVERY_MS = 60_000;
/** Every third fault (the 2nd, 5th, …) is a node restart, the others link flaps: both kinds show up even in a short run. */
const RESTARTS_EVERY = 3;

/** The soak's links: the ring, plus a chord from n1 to the node opposite it (when the ring is big enough to need one). */
export function soakLinks(nodes: number): { ring: string[]; chord: [string, string] | undefined } {
  const ring = Array.from({ length: nodes }, (_, i) => linkKey(`n${i + 1}`, `n${((i + 1) % nodes) + 1}`));
  const opposite = Math.floor(nodes / 2) + 1;
  return { ring, chord: nodes >= 5 ? ['n1', `n${opposite}`] : undefined };
}

/** A veth pair for the chord, named like the lab's own links so teardown and discovery treat it the same. */
async function addChord(lab: Lab, a: string, b: string): Promise<void> {
  const run = async (node: string, argv: string[]) => {
    const r = await lab.exec(node, argv);
    if (r.code !== 0) throw new Error(`${argv.join(' ')} in ${node}: ${r.stderr.trim()}`);
  };
  await run(a, ['ip', 'link', 'add', `${lab.name}-${b}`, 'type', 'veth', 'peer', 'name', `${lab.name}-${a}`, 'netns', lab.namespace(b)]);
  await run(a, ['ip', 'link', 'set', 'dev', `${lab.name}-${b}`, 'up']);
  await run(b, ['ip', 'link', 'set', 'dev', `${lab.name}-${a}`, 'up']);
}

async function setChord(lab: Lab, a: string, b: string, state: 'up' | 'down'): Promise<void> {
  await lab.exec(a, ['ip', 'link', 'set', 'dev', `${lab.name}-${b}`, state]);
  await lab.exec(b, ['ip', 'link', 'set', 'dev', `${lab.name}-${a}`, state]);
}

const status = (lab: Lab, node: string) => adminCall(join(lab.nodeDir(node), 'skein.sock'), 'status', {}, 2_000) as Promise<{ pid: number; address: string; memory?: Pick<MemoryStatus, 'v8HeapBytes' | 'cHeapInUseBytes'> }>;

function rssKiB(pid: number): number | null {
  try {
    const m = /^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** Where a daemon's resident memory is: its anonymous and file-backed pages (the kernel's count) and V8's heap (the daemon's). */
async function memoryParts(lab: Lab, node: string, pid: number): Promise<MemoryParts | null> {
  try {
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(rollup)?.[1] ?? NaN);
    const memory = (await status(lab, node)).memory;
    const rss = field('Rss');
    const anonKiB = field('Anonymous');
    if (!Number.isFinite(rss) || !Number.isFinite(anonKiB) || memory === undefined) return null;
    const cInUse = memory.cHeapInUseBytes;
    return { anonKiB, fileKiB: rss - anonKiB, v8KiB: Math.round(memory.v8HeapBytes / 1024), cInUseKiB: typeof cInUse === 'number' ? Math.round(cInUse / 1024) : null };
  } catch {
    return null;
  }
}

export async function runSoak(opts: SoakOptions): Promise<SoakReport> {
  const say = opts.log ?? (() => {});
  const restartsOn = opts.restarts ?? true;
  // Two streams from the seed: the fault schedule must not depend on how fast transfers go.
  const rng = new SeededRandom(opts.seed);
  const transferRng = new SeededRandom((opts.seed ^ 0x5eed_f11e) >>> 0);
  const name = opts.name ?? `soak${(opts.seed % 100_000).toString(36)}`;
  const lab = await createLab({ name, topology: 'ring', nodes: opts.nodes });
  const stops: Array<() => Promise<void>> = [];
  try {
    const { ring, chord } = soakLinks(opts.nodes);
    if (chord) await addChord(lab, chord[0], chord[1]);
    const allLinks = new Set([...ring, ...(chord ? [linkKey(chord[0], chord[1])] : [])]);
    initMesh(lab, { tuning: SOAK_TUNING });
    startDaemons(lab);
    await waitForDaemons(lab);
    const initialMs = (await waitConverged(lab, allLinks, RECOVERY_BOUND_MS)).shortestMs;
    say(`lab ${lab.name}: ${opts.nodes} nodes, links ${[...allLinks].join(' ')}; converged ${initialMs} ms after start`);
    const address = new Map<string, string>();
    const pids = new Map<string, number>();
    for (const n of lab.nodes) {
      const s = await status(lab, n);
      address.set(n, s.address);
      pids.set(n, s.pid);
    }
    const rss: SoakInput['rss'] = [];
    const restarts = new Map<string, number>(lab.nodes.map((n) => [n, 0]));
    const sampleRss = async (label: string) => {
      const atMs = Date.now();
      const kib = Object.fromEntries(lab.nodes.map((n) => [n, rssKiB(pids.get(n) as number)]));
      const taken = Object.fromEntries(restarts);
      const parts = Object.fromEntries(await Promise.all(lab.nodes.map(async (n) => [n, await memoryParts(lab, n, pids.get(n) as number)] as const)));
      rss.push({ atMs, label, kib, restarts: taken, parts });
    };
    await sampleRss('start');

    const startedAtMs = Date.now();
    const endAtMs = startedAtMs + opts.minutes * 60_000;
    // Ping pairs across the mesh: node i to the node opposite it, for the first three.
    const half = Math.floor(opts.nodes / 2);
    const pairs = Array.from({ length: Math.min(3, half) }, (_, i) => [`n${i + 1}`, `n${i + 1 + half}`] as const);
    const streams = pairs.map(([a, b]) => new PingStream(lab, a, b, address.get(b) as string));
    stops.push(async () => { await Promise.all(streams.map((s) => s.stop())); });

    const transfers: TransferResult[] = [];
    let transferSeed = opts.seed;
    const transferLoop = (async () => {
      while (Date.now() < endAtMs - TRANSFER_TIMEOUT_MS / 4) {
        const from = `n${1 + transferRng.int(opts.nodes)}`;
        let to = `n${1 + transferRng.int(opts.nodes - 1)}`;
        if (to === from) to = `n${opts.nodes}`;
        const file = seededFile(lab.dir, ++transferSeed, TRANSFER_BYTES);
        const r = await transfer(lab, from, to, address.get(to) as string, file, TRANSFER_BYTES, TRANSFER_TIMEOUT_MS);
        transfers.push(r);
        say(`transfer ${from} → ${to}: ${r.ok ? `${r.bytes} bytes, sha256 matches` : r.completed ? 'CHECKSUM MISMATCH' : `failed: ${r.error}`} (${r.endedAtMs - r.startedAtMs} ms)`);
        await sleep(TRANSFER_PAUSE_MS);
      }
    })();

    const rssTimer = setInterval(() => void sampleRss(`minute ${Math.round((Date.now() - startedAtMs) / 60_000)}`), RSS_EVERY_MS);
    stops.push(async () => clearInterval(rssTimer));

    const converge = (links: ReadonlySet<string>) => waitConverged(lab, links, RECOVERY_BOUND_MS).catch((err: Error) => {
      say(`NOT CONVERGED: ${err.message}`);
      return null;
    });
    const faults: FaultRecord[] = [];
    const linkList = [...allLinks];
    while (Date.now() < endAtMs) {
      await sleep(Math.min(QUIET_MIN_MS + rng.int(QUIET_SPREAD_MS), Math.max(0, endAtMs - Date.now())));
      if (Date.now() >= endAtMs - QUIET_MIN_MS) break;
      const startMs = Date.now();
      if (restartsOn && faults.length % RESTARTS_EVERY === RESTARTS_EVERY - 2) {
        const node = `n${1 + rng.int(opts.nodes)}`;
        const pid = pids.get(node) as number;
        try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
        for (let i = 0; i < 100; i++) { try { process.kill(pid, 0); await sleep(20); } catch { break; } }
        startDaemons(lab, [node], { tuning: SOAK_TUNING });
        await waitForDaemons(lab, [node]);
        pids.set(node, (await status(lab, node)).pid);
        restarts.set(node, (restarts.get(node) ?? 0) + 1);
        const healedMs = Date.now();
        const converged = await converge(allLinks);
        const away = healedMs - startMs;
        const recovery = converged && { reachableMs: converged.reachableMs + away, shortestMs: converged.shortestMs + away };
        faults.push({ kind: 'restart', target: node, startMs, endMs: Date.now(), recovery, downMs: away });
        say(`fault ${faults.length}: kill -9 ${node} (pid ${pid}) and restart (answering after ${away} ms); after the kill, every route back ${recovery ? `${recovery.reachableMs} ms` : 'NEVER'}, all shortest ${recovery ? `${recovery.shortestMs} ms` : 'NEVER'}`);
      } else {
        const key = linkList[rng.int(linkList.length)] as string;
        const [a, b] = key.split('~') as [string, string];
        const isChord = chord !== undefined && key === linkKey(chord[0], chord[1]);
        const cut = () => (isChord ? setChord(lab, a, b, 'down') : lab.cut(a, b).then(() => undefined));
        const heal = () => (isChord ? setChord(lab, a, b, 'up') : lab.heal(a, b).then(() => undefined));
        await cut();
        const without = new Set([...allLinks].filter((k) => k !== key));
        const cutRecovery = await converge(without);
        await sleep(Math.max(0, DOWN_MIN_MS + rng.int(DOWN_SPREAD_MS) - (Date.now() - startMs)));
        const healedAt = Date.now();
        await heal();
        const recovery = await converge(allLinks);
        faults.push({ kind: 'flap', target: key, startMs, endMs: Date.now(), recovery, cutRecovery, downMs: healedAt - startMs });
        const show = (c: Convergence | null) => (c ? `reachable ${c.reachableMs} ms, shortest ${c.shortestMs} ms` : 'NEVER');
        say(`fault ${faults.length}: link ${a}—${b} down ${healedAt - startMs} ms; routes without it: ${show(cutRecovery)}; after the heal: ${show(recovery)}`);
      }
    }
    await transferLoop;
    // Replies to the last probes need a moment.
    await sleep(2_500);
    for (const stop of stops.splice(0).reverse()) await stop();
    await sampleRss('end');
    const logs = Object.fromEntries(lab.nodes.map((n) => [n, readFileSync(join(lab.nodeDir(n), NODE_LOG_FILE), 'utf8')]));
    return analyse({
      options: { minutes: opts.minutes, nodes: opts.nodes, seed: opts.seed, restarts: restartsOn }, lab: lab.name, links: [...allLinks], startedAtMs, endedAtMs: Date.now(), initialConvergenceMs: initialMs,
      streams: streams.map((s) => ({ from: s.from, to: s.to, probes: s.probes() })), transfers, faults, rss, logs,
    });
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    await lab.down();
  }
}
