/**
 * The demonstration behind `npm start`: a 5-node ring in network
 * namespaces with a fresh CA, a skein daemon in each, and a live view of the
 * mesh forming — links coming up, members learned — then the member and
 * route tables, a ping across the mesh, a cut link and the reroute.
 *
 * Everything it builds is torn down on exit, on errors and when `signal`
 * aborts (the CLI's exit guard aborts it on a signal, a closed pipe or a crash).
 */
import { join } from 'node:path';
import { adminQuery, adminStream } from '../control/client.js';
import { formatTable } from '../util/table.js';
import { createLab } from './build.js';
import type { Lab } from './lab.js';
import { initMesh, MESH_START_TIMEOUT_MS, startDaemons, waitForDaemons } from './mesh.js';
import type { NeighborInfo, MemberInfo, PingSummary } from '../control/protocol.js';

export const DEMO_LAB_NAME = 'demo';
/** Recorded in the lab's state: a later demo recognises (and removes) a crashed demo's lab by it. */
export const DEMO_LAB_OWNER = 'demo';
export const DEMO_NODES = 5;
const POLL_MS = 150;
const CONVERGE_TIMEOUT_MS = 30_000;
const DEMO_TUNING = { discoveryIntervalMs: 1000, keepaliveMs: 500, deadAfterMs: 2000 };

export interface DemoOptions {
  nodes?: number;
  name?: string;
  /** Exit after the demonstration instead of waiting for Ctrl-C. */
  once?: boolean;
  out?: (line: string) => void;
  signal?: AbortSignal;
}

const sock = (lab: Lab, n: string) => join(lab.nodeDir(n), 'skein.sock');

/** Polls every node and prints what changed: links up/down, members learned/lost. */
class LiveView {
  private readonly links = new Map<string, Set<string>>();
  private readonly members = new Map<string, Map<string, number>>();

  constructor(private readonly lab: Lab, private readonly out: (l: string) => void, private readonly t0: number) {}

  private stamp(): string {
    return `[${((Date.now() - this.t0) / 1000).toFixed(1).padStart(5)}s]`;
  }

  async poll(): Promise<void> {
    for (const n of this.lab.nodes) {
      let nb: NeighborInfo[];
      let ms: MemberInfo[];
      try {
        nb = await adminQuery(sock(this.lab, n), 'neighbors', {}, 1000);
        ms = await adminQuery(sock(this.lab, n), 'nodes', {}, 1000);
      } catch {
        continue;
      }
      const prevLinks = this.links.get(n) ?? new Set<string>();
      const nowLinks = new Set(nb.map((x) => x.name));
      for (const p of nowLinks) if (!prevLinks.has(p)) this.out(`${this.stamp()} ${n}: link up to ${p} (${nb.find((x) => x.name === p)?.address ?? ''})`);
      for (const p of prevLinks) if (!nowLinks.has(p)) this.out(`${this.stamp()} ${n}: link to ${p} down`);
      this.links.set(n, nowLinks);
      const prevMembers = this.members.get(n) ?? new Map<string, number>();
      const nowMembers = new Map(ms.filter((m) => !m.self).map((m) => [m.name, m.hops]));
      for (const [m, hops] of nowMembers) {
        const before = prevMembers.get(m);
        if (before === undefined) this.out(`${this.stamp()} ${n}: learned member ${m}, ${hops} hop${hops === 1 ? '' : 's'} away`);
        else if (before !== hops) this.out(`${this.stamp()} ${n}: route to ${m} now ${hops} hop${hops === 1 ? '' : 's'} (was ${before})`);
      }
      for (const m of prevMembers.keys()) if (!nowMembers.has(m)) this.out(`${this.stamp()} ${n}: lost member ${m}`);
      this.members.set(n, nowMembers);
    }
  }

  /** True when every node knows every other node. */
  converged(): boolean {
    return this.lab.nodes.every((n) => (this.members.get(n)?.size ?? 0) === this.lab.nodes.length - 1);
  }
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (signal?.aborted) throw new Error('interrupted');
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

async function ping(lab: Lab, from: string, to: string, out: (l: string) => void): Promise<void> {
  out(`$ skein lab exec ${from} -- skein ping ${to} -c 4 -i 0.2`);
  let stream: { stop: () => void } | undefined;
  const s = await adminStream(sock(lab, from), 'ping', { target: to, count: 4, intervalMs: 200, timeoutMs: 2000, size: 56 }, (raw) => {
    const e = raw as { type: string; seq?: number; hops?: number; rttMs?: number; from?: string; message?: string } & Partial<PingSummary>;
    if (e.type === 'reply') out(`  reply from ${e.from}: seq=${e.seq} hops=${e.hops} time=${e.rttMs?.toFixed(3)} ms`);
    else if (e.type === 'timeout') out(`  no reply: seq=${e.seq}`);
    else if (e.type === 'summary') out(`  ${e.transmitted} sent, ${e.received} received, ${e.lossPercent}% loss`);
    else if (e.type === 'error') out(`  ping failed: ${e.message}`);
    if (e.type === 'summary' || e.type === 'error') stream?.stop();
  });
  stream = s;
  await s.done;
}

async function printTables(lab: Lab, node: string, out: (l: string) => void): Promise<void> {
  const ms = await adminQuery(sock(lab, node), 'nodes');
  out(`\nmembers as ${node} sees them (skein lab exec ${node} -- skein nodes):`);
  out(formatTable(['name', 'id', 'hops', 'cost', 'next hop'], ms.map((m) => [m.self ? `${m.name} (self)` : m.name, m.id.slice(0, 8), String(m.hops), m.self ? '-' : String(Math.round(m.cost)), m.nextHopName ?? '-'])));
  out(`\nroutes of ${node} (skein routes):`);
  const nameOf = (id: string) => ms.find((m) => m.id === id)?.name ?? id.slice(0, 8);
  out(formatTable(['destination', 'next hop', 'hops', 'path'], ms.filter((m) => !m.self).map((m) => [m.name, m.nextHopName ?? '-', String(m.hops), m.path.map(nameOf).join(' > ')])));
}

export async function runDemo(opts: DemoOptions = {}): Promise<void> {
  const out = opts.out ?? ((l: string) => process.stdout.write(`${l}\n`));
  const n = opts.nodes ?? DEMO_NODES;
  const t0 = Date.now();
  out(`building a ${n}-node ring in network namespaces (lab '${opts.name ?? DEMO_LAB_NAME}')…`);
  const lab = await createLab({ name: opts.name ?? DEMO_LAB_NAME, topology: 'ring', nodes: n }, { owner: DEMO_LAB_OWNER, ...(opts.signal ? { signal: opts.signal } : {}) });
  try {
    out(`lab built in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${lab.nodes.join(' — ')} — ${lab.nodes[0]} (a ring of IPv6 link-local veth links)`);
    out('making a fresh cluster CA and one node certificate per namespace; starting a skein daemon in each…');
    initMesh(lab, { tuning: DEMO_TUNING, cluster: 'demo' });
    const started = Date.now();
    startDaemons(lab);
    await waitForDaemons(lab, lab.nodes, MESH_START_TIMEOUT_MS, opts.signal);
    out(`daemons up; watching the mesh form (discovery → connect-back → Noise handshake → link-state flooding):`);
    const view = new LiveView(lab, out, started);
    await until('convergence', async () => { await view.poll(); return view.converged(); }, CONVERGE_TIMEOUT_MS, opts.signal);
    out(`converged: every node knows all ${n} members, ${((Date.now() - started) / 1000).toFixed(1)} s after the daemons started`);

    const [a, b] = [lab.nodes[0]!, lab.nodes[1]!];
    const far = lab.nodes[Math.floor(n / 2)]!;
    await printTables(lab, a, out);
    out('');
    await ping(lab, a, far, out);

    out(`\ncutting the ${a} — ${b} link (skein lab cut ${a} ${b}); watch the mesh route around it:`);
    const cutAt = Date.now();
    await lab.cut(a, b);
    await until('reroute', async () => {
      await view.poll();
      const fromA = await adminQuery(sock(lab, a), 'nodes');
      const fromB = await adminQuery(sock(lab, b), 'nodes');
      return fromA.find((m) => m.name === b)?.nextHopName === lab.nodes[n - 1] && fromB.find((m) => m.name === a)?.nextHopName === lab.nodes[2];
    }, CONVERGE_TIMEOUT_MS, opts.signal);
    const reroutedMs = Date.now() - cutAt;
    // The check read the tables after its poll: show what it saw now, not after the heal.
    await view.poll();
    out(`rerouted in ${reroutedMs} ms: ${a} and ${b} now reach each other the other way round`);
    await printTables(lab, a, out);
    out('');
    await ping(lab, a, b, out);

    out(`\nhealing the link (skein lab heal ${a} ${b})…`);
    await lab.heal(a, b);
    await until('the healed link', async () => { await view.poll(); const ms = await adminQuery(sock(lab, a), 'nodes'); return ms.find((m) => m.name === b)?.hops === 1; }, CONVERGE_TIMEOUT_MS, opts.signal);
    await view.poll();
    if (opts.once) return;
    out(`\nthe mesh is live. Try, in another terminal:\n  sudo npx skein lab exec ${a} -- skein nodes\n  sudo npx skein lab exec ${a} -- skein trace ${far}\n  sudo npx skein lab cut ${a} ${b}\nCtrl-C tears everything down.`);
    await new Promise<void>((resolve) => {
      if (opts.signal?.aborted) return resolve();
      opts.signal?.addEventListener('abort', () => resolve(), { once: true });
      const tick = setInterval(() => { void view.poll(); }, 1000);
      opts.signal?.addEventListener('abort', () => clearInterval(tick), { once: true });
    });
  } finally {
    out('tearing down: stopping daemons, removing namespaces…');
    await lab.down();
    out('done.');
  }
}
