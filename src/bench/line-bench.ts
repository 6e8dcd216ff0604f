/**
 * The line scenario, on one 4-node line lab the bench builds and always
 * removes; one thing runs on the line at a time:
 *
 *   kernel baseline (veth addresses, forwarding, static routes)
 *     → iperf3, ping and idle pings at 1 hop (n1 → n2) and 3 hops (n1 → n4)
 *   relay floors: plain TCP relays in C (polling, and a read thread per
 *                direction), Python and Node.js on the same path
 *   start every Skein daemon → time to the first ping n1 → n4
 *     → idle pings, the same measurements, each daemon's CPU and memory
 *   restart with [links] native = false (the TypeScript path) → the same again
 *   restart with [tun] mtu = 1400 → first ping again → iperf3 and ping
 *   Yggdrasil (when installed), peered over the veth addresses
 *     → first ping, idle pings, the same measurements, CPU and memory
 */
import { DEFAULT_TUN_MTU } from '../dataplane/mtu.js';
import { createLab } from '../lab/build.js';
import type { Lab } from '../lab/lab.js';
import { initMesh, MESH_START_TIMEOUT_MS, startDaemons, waitForDaemons } from '../lab/mesh.js';
import { execFileRunner } from '../lab/runner.js';
import { daemonPids, meshAddress, setNativeLinks, setTunMtu, stopDaemons } from './bench-mesh.js';
import { messageOf, throwIfAborted, type BenchContext } from './context.js';
import { kernelRoutingPlan } from './kernel-routing.js';
import { interfaceMtu } from './link-mtu.js';
import { FIRST_PING_DEADLINE_MS, idleSummaryText, LINE_HOPS, measureLine } from './path-measure.js';
import { measureRelayFloor, prepareRelayPrograms, RELAY_KINDS } from './relay-floor.js';
import { assertLineQuiet } from './quiet-line.js';
import { readStartupBreakdown } from './startup-log.js';
import { timeToFirstPing } from './probes.js';
import { RELAY_NAMES, type BenchResults, type Daemon, type RelayFloorRun, type StartupRun } from './results.js';
import { runYggdrasilLine } from './yggdrasil-bench.js';

/** The small overlay MTU compared with the default. */
export const SMALL_TUN_MTU = 1400;

export type LineResults = Pick<BenchResults, 'runs' | 'startup' | 'memory' | 'errors' | 'relayFloors' | 'yggdrasil'>;

async function vethMtu(lab: Lab): Promise<number> {
  const end = lab.interfaces(lab.nodes[0] as string)[0];
  return end ? ((await interfaceMtu(end.namespace, end.ifname)) ?? 0) : 0;
}

/** Kernel routing: no daemon to start or to warm, so its idle pings follow the transfer only. */
async function kernelBaseline(ctx: BenchContext, lab: Lab, addresses: Map<string, string[]>, out: LineResults): Promise<void> {
  ctx.log('kernel IPv6 routing on the same veth links (the limit):');
  const mtu = await vethMtu(lab);
  const { runs } = await measureLine(ctx, lab, { transport: 'kernel', mtu, address: (n) => addresses.get(n)?.[0] ?? '', pids: {} }, { idlePhases: ['after transfer'], memory: false });
  out.runs.push(...runs);
}

/** Plain TCP relays of every kind (C polling, C read threads, Python, Node.js) on the longest path of the line (see relay-floor.ts). */
async function relayFloors(ctx: BenchContext, lab: Lab, addresses: Map<string, string[]>, out: LineResults): Promise<void> {
  const hops = Math.max(...LINE_HOPS);
  const path = lab.nodes.slice(0, hops + 1);
  const { programs, client } = await prepareRelayPrograms(lab.dir);
  const specs = ctx.settings.idlePings;
  ctx.log(`plain TCP relays ${path.join(' → ')} (no crypto, no TUN), timed by the ${RELAY_NAMES[client.kind]} client: ${specs.map((s) => `${s.count} round trips × ${s.intervalMs / 1000} s`).join(', then ')}`);
  for (const kind of RELAY_KINDS) {
    throwIfAborted(ctx);
    const program = programs.get(kind);
    const run: RelayFloorRun = { relay: kind, client: client.kind === 'c' ? 'c' : 'node', hops, from: path[0]!, to: path[hops]!, rtts: [] };
    if (!program || !('argv' in program)) {
      run.skipped = program?.skipped ?? 'not available';
      ctx.log(`  ${RELAY_NAMES[kind]} relays: skipped (${run.skipped})`);
    } else {
      try {
        run.rtts = await measureRelayFloor(lab, path, (i) => addresses.get(path[i + 1]!)?.[0] ?? '', program, client, specs);
        ctx.log(`  ${RELAY_NAMES[kind]} relays: ${idleSummaryText(run.rtts)}`);
      } catch (err) {
        run.error = messageOf(err);
        ctx.log(`  ${RELAY_NAMES[kind]} relays: failed (${run.error})`);
      }
    }
    out.relayFloors.push(run);
  }
}

/** Start every daemon and time the first ping from the first node to the last. */
async function startAndTime(ctx: BenchContext, lab: Lab, label: string, out: LineResults, transport: Daemon = 'skein'): Promise<void> {
  const from = lab.nodes[0] as string;
  const to = lab.nodes[lab.nodes.length - 1] as string;
  const address = meshAddress(lab, to);
  const startedAt = Date.now();
  startDaemons(lab);
  const run: StartupRun = { transport, label, from, to, hops: lab.nodes.length - 1, firstPingMs: null, attempts: 0 };
  try {
    const first = await timeToFirstPing(lab, from, address, startedAt, FIRST_PING_DEADLINE_MS, ctx.signal);
    run.firstPingMs = first.ms;
    run.attempts = first.attempts;
    Object.assign(run, readStartupBreakdown(lab, startedAt, startedAt + first.ms));
    ctx.log(`  first ping ${from} → ${to}: ${Math.round(first.ms)} ms after starting the daemons (${first.attempts} tries)`);
  } catch (err) {
    run.error = messageOf(err);
  }
  out.startup.push(run);
  await waitForDaemons(lab, lab.nodes, MESH_START_TIMEOUT_MS, ctx.signal);
}

/** Idle pings, iperf3, CPU and memory of the running daemons at the default MTU, recorded as `transport`. */
async function measureDefaultMtu(ctx: BenchContext, lab: Lab, transport: Daemon, pids: Record<string, number>, out: LineResults): Promise<void> {
  const line = await measureLine(ctx, lab, { transport, mtu: DEFAULT_TUN_MTU, address: (n) => meshAddress(lab, n), pids }, { idlePhases: ['after start', 'after transfer'], memory: true });
  out.runs.push(...line.runs);
  if (line.memory) out.memory[transport] = line.memory;
}

async function skein(ctx: BenchContext, lab: Lab, name: string, out: LineResults): Promise<void> {
  await assertLineQuiet(lab, 'Skein starts');
  ctx.log(`skein (default TUN MTU ${DEFAULT_TUN_MTU}):`);
  initMesh(lab, { cluster: name });
  await startAndTime(ctx, lab, 'cold start', out);
  let pids = await daemonPids(lab, DEFAULT_TUN_MTU);
  try {
    await measureDefaultMtu(ctx, lab, 'skein', pids, out);
    throwIfAborted(ctx);
    ctx.log('skein with [links] native = false, the TypeScript path (daemons restarted):');
    await stopDaemons(pids);
    setNativeLinks(lab, false);
    await startAndTime(ctx, lab, 'restart with TypeScript links', out, 'skein-typescript');
    pids = await daemonPids(lab, DEFAULT_TUN_MTU);
    await measureDefaultMtu(ctx, lab, 'skein-typescript', pids, out);
    throwIfAborted(ctx);
    ctx.log(`skein with [tun] mtu = ${SMALL_TUN_MTU} (daemons restarted, native links):`);
    await stopDaemons(pids);
    setNativeLinks(lab, true);
    setTunMtu(lab, SMALL_TUN_MTU);
    await startAndTime(ctx, lab, `restart with MTU ${SMALL_TUN_MTU}`, out);
    pids = await daemonPids(lab, SMALL_TUN_MTU);
    const small = await measureLine(ctx, lab, { transport: 'skein', mtu: SMALL_TUN_MTU, address: (n) => meshAddress(lab, n), pids }, { idlePhases: [], memory: false });
    out.runs.push(...small.runs);
  } finally {
    await stopDaemons(pids);
  }
}

export async function runLineBench(ctx: BenchContext): Promise<LineResults> {
  const out: LineResults = { runs: [], startup: [], memory: {}, relayFloors: [], yggdrasil: { measured: false, skipped: 'not run' }, errors: [] };
  const name = ctx.labName('l');
  ctx.log(`building a ${ctx.settings.lineNodes}-node line (lab ${name})…`);
  const lab = await createLab({ name, topology: 'line', nodes: ctx.settings.lineNodes }, ctx.signal ? { signal: ctx.signal } : {});
  try {
    const plan = kernelRoutingPlan(lab.layout);
    for (const command of plan.commands) await execFileRunner.run(command);
    await kernelBaseline(ctx, lab, plan.addresses, out);
    throwIfAborted(ctx);
    await relayFloors(ctx, lab, plan.addresses, out);
    throwIfAborted(ctx);
    try {
      await skein(ctx, lab, name, out);
    } catch (err) {
      throwIfAborted(ctx);
      out.errors.push(`line, skein: ${messageOf(err)}`);
    }
    throwIfAborted(ctx);
    await assertLineQuiet(lab, 'Yggdrasil starts');
    out.yggdrasil = await runYggdrasilLine(ctx, lab, out);
  } catch (err) {
    out.errors.push(`line: ${messageOf(err)}`);
  } finally {
    await lab.down();
  }
  return out;
}
