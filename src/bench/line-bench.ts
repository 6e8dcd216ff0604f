/**
 * The line scenario, on one 4-node line lab the bench builds and always
 * removes:
 *
 *   kernel baseline (veth addresses, forwarding, static routes)
 *     → ping + iperf3 at 1 hop (n1 → n2) and 3 hops (n1 → n4)
 *   start every daemon → time to the first ping n1 → n4
 *     → the same measurements over Skein, with each daemon's CPU; memory
 *   restart with [tun] mtu = 1400 → first ping again → the same measurements
 */
import { DEFAULT_TUN_MTU } from '../dataplane/mtu.js';
import { createLab } from '../lab/build.js';
import type { Lab } from '../lab/lab.js';
import { initMesh, MESH_START_TIMEOUT_MS, startDaemons, waitForDaemons } from '../lab/mesh.js';
import { execFileRunner } from '../lab/runner.js';
import { daemonPids, meshAddress, setTunMtu, stopDaemons } from './bench-mesh.js';
import { messageOf, throwIfAborted, type BenchContext } from './context.js';
import { CpuWatch, memoryUse } from './daemon-stats.js';
import { kernelRoutingPlan } from './kernel-routing.js';
import { readStartupBreakdown } from './startup-log.js';
import { measureRtt, measureThroughput, timeToFirstPing } from './probes.js';
import { measureNodeRelayFloor } from './node-relay-floor.js';
import type { BenchResults, NodeRelayFloorRun, PathRun, StartupRun, Transport } from './results.js';

/** The small overlay MTU compared with the default. */
export const SMALL_TUN_MTU = 1400;
export const LINE_HOPS = [1, 3] as const;
/** Bound on the wait for the first reply after starting the daemons. */
export const FIRST_PING_DEADLINE_MS = 30_000;

type LineResults = Pick<BenchResults, 'runs' | 'startup' | 'memory' | 'errors' | 'nodeRelayFloor'>;

async function measurePath(ctx: BenchContext, lab: Lab, transport: Transport, mtu: number, hops: number, address: string, cpu?: CpuWatch): Promise<PathRun> {
  const from = lab.nodes[0] as string;
  const to = lab.nodes[hops] as string;
  const run: PathRun = { transport, mtu, hops, from, to, throughput: null, rtt: null, cpuPercent: {}, machineBusyPercent: null, errors: [] };
  const s = ctx.settings;
  ctx.log(`  ${transport} ${hops} hop${hops === 1 ? '' : 's'} (${from} → ${to}, MTU ${mtu}): iperf3 ${s.iperfSeconds} s, then ping ${s.pingCount} × ${s.pingIntervalMs / 1000} s`);
  const watch = cpu ?? new CpuWatch({});
  try {
    run.throughput = await measureThroughput(lab, from, to, address, { seconds: s.iperfSeconds, omitSeconds: s.iperfOmitSeconds, during: watch, ...(ctx.signal ? { signal: ctx.signal } : {}) });
    run.cpuPercent = watch.cpuPercent;
    run.machineBusyPercent = watch.machineBusyPercent;
  } catch (err) {
    run.errors.push(messageOf(err));
  }
  throwIfAborted(ctx);
  // After the transfer: the packet path is then compiled by the JIT, as in a daemon in service (a
  // cold path answers 2-3 times slower). The same order for the kernel baseline.
  try {
    run.rtt = await measureRtt(lab, from, address, s.pingCount, s.pingIntervalMs, ctx.signal);
  } catch (err) {
    run.errors.push(messageOf(err));
  }
  return run;
}

async function vethMtu(lab: Lab): Promise<number> {
  const end = lab.interfaces(lab.nodes[0] as string)[0];
  if (!end) return 0;
  const { stdout } = await execFileRunner.run({ file: 'ip', args: ['-n', end.namespace, '-j', 'link', 'show', 'dev', end.ifname] });
  const [info] = JSON.parse(stdout) as Array<{ mtu?: number }>;
  return info?.mtu ?? 0;
}

async function kernelBaseline(ctx: BenchContext, lab: Lab, out: LineResults): Promise<void> {
  ctx.log('kernel IPv6 routing on the same veth links (the limit):');
  const plan = kernelRoutingPlan(lab.layout);
  for (const command of plan.commands) await execFileRunner.run(command);
  const mtu = await vethMtu(lab);
  for (const hops of LINE_HOPS) {
    throwIfAborted(ctx);
    const address = plan.addresses.get(lab.nodes[hops] as string)?.[0] as string;
    out.runs.push(await measurePath(ctx, lab, 'kernel', mtu, hops, address));
  }
  throwIfAborted(ctx);
  out.nodeRelayFloor = await relayFloor(ctx, lab, plan.addresses);
}

/** The latency floor of a Node.js process per hop, on the longest path of the line (see node-relay-floor.ts). */
async function relayFloor(ctx: BenchContext, lab: Lab, addresses: Map<string, string[]>): Promise<NodeRelayFloorRun> {
  const hops = Math.max(...LINE_HOPS);
  const path = lab.nodes.slice(0, hops + 1);
  const run: NodeRelayFloorRun = { hops, from: path[0]!, to: path[hops]!, rtt: null };
  ctx.log(`  plain Node.js TCP relays ${path.join(' → ')} (no crypto, no TUN): ${ctx.settings.pingCount} round trips × ${ctx.settings.pingIntervalMs / 1000} s`);
  try {
    run.rtt = await measureNodeRelayFloor(lab, path, (i) => addresses.get(path[i + 1]!)?.[0] ?? '', ctx.settings.pingCount, ctx.settings.pingIntervalMs);
  } catch (err) {
    run.error = messageOf(err);
  }
  return run;
}

/** Start every daemon and time the first ping from the first node to the last. */
async function startAndTime(ctx: BenchContext, lab: Lab, label: string, out: LineResults): Promise<void> {
  const from = lab.nodes[0] as string;
  const to = lab.nodes[lab.nodes.length - 1] as string;
  const address = meshAddress(lab, to);
  const startedAt = Date.now();
  startDaemons(lab);
  const run: StartupRun = { label, from, to, hops: lab.nodes.length - 1, firstPingMs: null, attempts: 0 };
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

async function skeinPaths(ctx: BenchContext, lab: Lab, mtu: number, out: LineResults): Promise<Record<string, number>> {
  const pids = await daemonPids(lab, mtu);
  for (const hops of LINE_HOPS) {
    throwIfAborted(ctx);
    out.runs.push(await measurePath(ctx, lab, 'skein', mtu, hops, meshAddress(lab, lab.nodes[hops] as string), new CpuWatch(pids)));
  }
  return pids;
}

export async function runLineBench(ctx: BenchContext): Promise<LineResults> {
  const out: LineResults = { runs: [], startup: [], memory: {}, errors: [] };
  const name = ctx.labName('l');
  ctx.log(`building a ${ctx.settings.lineNodes}-node line (lab ${name})…`);
  const lab = await createLab({ name, topology: 'line', nodes: ctx.settings.lineNodes }, ctx.signal ? { signal: ctx.signal } : {});
  try {
    await kernelBaseline(ctx, lab, out);
    throwIfAborted(ctx);
    ctx.log(`skein (default TUN MTU ${DEFAULT_TUN_MTU}):`);
    initMesh(lab, { cluster: name });
    await startAndTime(ctx, lab, 'cold start', out);
    const pids = await skeinPaths(ctx, lab, DEFAULT_TUN_MTU, out);
    out.memory = memoryUse(pids);
    throwIfAborted(ctx);
    ctx.log(`skein with [tun] mtu = ${SMALL_TUN_MTU} (daemons restarted):`);
    await stopDaemons(pids);
    setTunMtu(lab, SMALL_TUN_MTU);
    await startAndTime(ctx, lab, `restart with MTU ${SMALL_TUN_MTU}`, out);
    await skeinPaths(ctx, lab, SMALL_TUN_MTU, out);
  } catch (err) {
    out.errors.push(`line: ${messageOf(err)}`);
  } finally {
    await lab.down();
  }
  return out;
}
