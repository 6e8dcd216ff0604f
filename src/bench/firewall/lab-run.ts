/**
 * The firewall's cost on a real path, in one run: a 2-node lab (both nodes
 * in the bench group), iperf3 and ping n1 → n2 with no rules, then the same
 * after a reload gives both nodes BENCH_RULE_COUNT inbound rules (so both
 * ends track: n2 judges the inbound flow, n1 tracks its own). The lab is
 * made for the run and always removed.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { adminCall, adminQuery } from '../../control/client.js';
import { DEFAULT_TUN_MTU } from '../../dataplane/mtu.js';
import { createLab } from '../../lab/build.js';
import type { Lab } from '../../lab/lab.js';
import { initMesh, nodeConfigPath, startDaemons, waitForDaemons } from '../../lab/mesh.js';
import { ErrorCodes, SkeinError } from '../../util/errors.js';
import { daemonPids, meshAddress } from '../bench-mesh.js';
import { messageOf } from '../context.js';
import { CpuWatch } from '../daemon-stats.js';
import { IPERF_PORT, measureRtt, measureThroughput } from '../probes.js';
import { BENCH_GROUP, benchRules, firewallToml } from './rule-sets.js';
import type { MemberInfo } from '../../control/protocol.js';

const NODES = ['n1', 'n2'] as const;
const MESH_WAIT_MS = 20_000;
const POLL_MS = 100;

export interface FirewallLabSettings {
  ruleCounts: readonly number[];
  iperfSeconds: number;
  iperfOmitSeconds: number;
  pingCount: number;
  pingIntervalMs: number;
}

export interface FirewallLabRow {
  rules: number;
  mbps: number | null;
  retransmits: number | null;
  rttAvgMs: number | null;
  rttMinMs: number | null;
  /** Receiving daemon's CPU during the transfer (100 = one core). */
  receiverCpuPercent: number | null;
  senderCpuPercent: number | null;
  /** What n2's firewall says after the run: flows tracked, packets it dropped. */
  trackedFlows: number | null;
  drops: number | null;
  errors: string[];
}

const socketOf = (lab: Lab, node: string) => join(lab.nodeDir(node), 'skein.sock');

async function waitForMesh(lab: Lab): Promise<void> {
  const deadline = Date.now() + MESH_WAIT_MS;
  for (;;) {
    const members = await adminQuery(socketOf(lab, 'n1'), 'nodes').catch((): MemberInfo[] => []);
    if (members.length === NODES.length) return;
    if (Date.now() > deadline) throw new SkeinError(ErrorCodes.LAB, `n1 did not learn n2 within ${MESH_WAIT_MS} ms`);
    await sleep(POLL_MS);
  }
}

async function applyRules(lab: Lab, base: Record<string, string>, count: number): Promise<void> {
  const toml = firewallToml(benchRules(count, IPERF_PORT));
  for (const node of NODES) writeFileSync(nodeConfigPath(lab, node), base[node] + toml, { mode: 0o600 });
  for (const node of NODES) {
    await adminCall(socketOf(lab, node), 'reload');
    const s = await adminQuery(socketOf(lab, node), 'firewall');
    if (s.rules.length !== count) throw new SkeinError(ErrorCodes.LAB, `${node} runs ${s.rules.length} firewall rules after the reload, expected ${count}`);
  }
}

async function measure(lab: Lab, s: FirewallLabSettings, count: number, pids: Record<string, number>, log: (line: string) => void): Promise<FirewallLabRow> {
  const row: FirewallLabRow = { rules: count, mbps: null, retransmits: null, rttAvgMs: null, rttMinMs: null, receiverCpuPercent: null, senderCpuPercent: null, trackedFlows: null, drops: null, errors: [] };
  const address = meshAddress(lab, 'n2');
  log(`  ${count} rules: iperf3 ${s.iperfSeconds} s, then ping ${s.pingCount} × ${s.pingIntervalMs / 1000} s`);
  const cpu = new CpuWatch(pids);
  try {
    const t = await measureThroughput(lab, 'n1', 'n2', address, { seconds: s.iperfSeconds, omitSeconds: s.iperfOmitSeconds, during: cpu });
    row.mbps = Math.round(t.mbps);
    row.retransmits = t.retransmits;
    row.receiverCpuPercent = Math.round(cpu.cpuPercent.n2 ?? NaN);
    row.senderCpuPercent = Math.round(cpu.cpuPercent.n1 ?? NaN);
  } catch (err) {
    row.errors.push(messageOf(err));
  }
  try {
    const r = await measureRtt(lab, 'n1', address, s.pingCount, s.pingIntervalMs);
    row.rttAvgMs = r.avgMs;
    row.rttMinMs = r.minMs;
  } catch (err) {
    row.errors.push(messageOf(err));
  }
  const fw = await adminQuery(socketOf(lab, 'n2'), 'firewall');
  row.trackedFlows = fw.flows.tracked;
  row.drops = fw.rules.reduce((n, r) => n + r.drops, 0) + fw.drops.inbound.default + fw.drops.inbound.cut + fw.drops.inbound.malformed;
  return row;
}

export async function runFirewallLab(labName: string, s: FirewallLabSettings, log: (line: string) => void): Promise<FirewallLabRow[]> {
  log(`building a 2-node lab (${labName})…`);
  const lab = await createLab({ name: labName, topology: 'line', nodes: NODES.length });
  // Interrupted: the lab (and the daemons in it) go before the process does.
  const onSignal = () => void lab.down().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    initMesh(lab, { cluster: labName, certify: { n1: { groups: [BENCH_GROUP] }, n2: { groups: [BENCH_GROUP] } } });
    const base = Object.fromEntries(NODES.map((n) => [n, readFileSync(nodeConfigPath(lab, n), 'utf8')]));
    startDaemons(lab);
    await waitForDaemons(lab);
    await waitForMesh(lab);
    const pids = await daemonPids(lab, DEFAULT_TUN_MTU);
    const rows: FirewallLabRow[] = [];
    for (const count of s.ruleCounts) {
      await applyRules(lab, base, count);
      rows.push(await measure(lab, s, count, pids, log));
    }
    return rows;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await lab.down();
  }
}
