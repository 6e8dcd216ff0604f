/**
 * What the fault tests (and the soak) need on top of the lab: the graph the
 * lab really has now (its links minus the ones a test cut), the shortest
 * paths over it, a check of every node's routes against them, and the
 * daemons as processes (pid, CPU time, RSS, kill -9, restart).
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { startDaemons, waitForDaemons, type Lab, type MeshOptions } from '../../src/lab/index.js';
import { linkKey, waitConverged as waitUntilConverged, type Convergence } from '../../src/lab/route-check.js';
import { admin, members } from './mesh-node.js';

/** Timers for the lab daemons: fast enough that a fault test stays short. */
export const FAULT_TUNING = { discoveryIntervalMs: 1000, keepaliveMs: 300, deadAfterMs: 1500 };

export { linkKey, meshRouteProblems } from '../../src/lab/route-check.js';

/** The lab's point-to-point links as "nA~nB", less those listed as down. */
export function liveLinks(lab: Lab, down: ReadonlySet<string> = new Set()): Set<string> {
  const all = lab.layout.links.map((l) => linkKey(l.a.node, l.b.node));
  return new Set(all.filter((k) => !down.has(k)));
}

/** Until every node's routes match the graph (reachable, then shortest); SKEIN_FAULT_DEBUG=1 prints what is still wrong each second. */
export function waitConverged(lab: Lab, links: ReadonlySet<string>, timeoutMs: number, nodes: readonly string[] = lab.nodes): Promise<Convergence> {
  const onProgress = process.env.SKEIN_FAULT_DEBUG ? (ms: number, problems: string[]) => process.stderr.write(`# +${ms} ms: ${problems.join('; ')}\n`) : undefined;
  return waitUntilConverged(lab, links, timeoutMs, { nodes, ...(onProgress && { onProgress }) });
}

export async function daemonPid(lab: Lab, node: string): Promise<number> {
  return ((await admin(lab, node, 'status')) as { pid: number }).pid;
}

/** utime + stime of a process in ms (clock ticks of 10 ms on Linux). */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}


export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** kill -9 a node's daemon and wait until it is gone. */
export async function killDaemon(lab: Lab, node: string): Promise<number> {
  const pid = await daemonPid(lab, node);
  process.kill(pid, 'SIGKILL');
  for (let i = 0; i < 100 && isAlive(pid); i++) await sleep(20);
  return pid;
}

/** Start a node's daemon again (same directory: same key, config and state) and wait for its admin API. */
export async function restartDaemon(lab: Lab, node: string, opts: MeshOptions = {}): Promise<void> {
  startDaemons(lab, [node], opts);
  await waitForDaemons(lab, [node]);
}

/** A member's record sequence as `node` has it stored (undefined: not known there). */
export async function recordSequence(lab: Lab, node: string, of: string): Promise<number | undefined> {
  return (await members(lab, node)).find((m) => m.name === of)?.sequence;
}

/** `ping -6` once over the TUN from one node to another's mesh address; true when a reply came. */
export async function tunPing(lab: Lab, from: string, address: string, waitS = 1): Promise<boolean> {
  const r = await lab.exec(from, ['ping', '-6', '-n', '-q', '-c', '1', '-W', String(waitS), address], { timeoutMs: (waitS + 2) * 1000 });
  return r.code === 0;
}

/** Each node's mesh address, from its own status. */
export async function meshAddresses(lab: Lab): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const n of lab.nodes) out.set(n, ((await admin(lab, n, 'status')) as { address: string }).address);
  return out;
}

/** "reachable R ms, shortest S ms". */
export const describeConvergence = (c: Convergence): string => `reachable ${c.reachableMs} ms, shortest ${c.shortestMs} ms`;

/** Median and worst of a list of durations (ms), for diagnostics. */
export function spread(samples: readonly number[]): { count: number; median: number; worst: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const median = sorted.length === 0 ? 0 : sorted.length % 2 === 1 ? sorted[(sorted.length - 1) / 2]! : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
  return { count: sorted.length, median: Math.round(median), worst: sorted.at(-1) ?? 0 };
}

/** Seconds from an environment variable (a manual or soak run asks for longer), else the default. */
export function secondsFromEnv(name: string, fallback: number): number {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
}
