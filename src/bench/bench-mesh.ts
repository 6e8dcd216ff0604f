/**
 * Driving Skein daemons on a bench lab: every node's key-derived address
 * (read from its certificate, so the first-ping clock needs no daemon),
 * the daemons' pids (their admin status, which also shows the data plane
 * is up), stopping them, and the TUN MTU in their configs.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { adminCall, adminQuery } from '../control/client.js';
import { addressOfNode } from '../dataplane/addressing.js';
import { loadCertificates } from '../identity/files.js';
import { nodeIdFromPublicKey } from '../identity/node-id.js';
import type { Lab } from '../lab/lab.js';
import { nodeConfigPath } from '../lab/mesh.js';
import { NODE_CERT_FILE } from '../node/init.js';
import { ErrorCodes, SkeinError } from '../util/errors.js';
import { withNativeLinks, withTunMtu } from './config-edit.js';
import type { MemberInfo } from '../control/protocol.js';

const ADMIN_TIMEOUT_MS = 2_000;
/** Stopped daemons get this long after SIGTERM (they remove their TUN) before SIGKILL. */
export const DAEMON_STOP_GRACE_MS = 5_000;
const POLL_MS = 50;

const socketOf = (lab: Lab, node: string) => join(lab.nodeDir(node), 'skein.sock');

/** The node's Skein address, derived from the key its certificate certifies. */
export function meshAddress(lab: Lab, node: string): string {
  const [cert] = loadCertificates(join(lab.nodeDir(node), NODE_CERT_FILE));
  if (!cert) throw new SkeinError(ErrorCodes.LAB, `${node}: no certificate in its node directory`);
  return addressOfNode(cert.clusterId, nodeIdFromPublicKey(cert.publicKey)).text;
}

interface DaemonStatus {
  pid: number;
  address: string;
  dataPlane: { unavailable: string | null; mtu: number | null };
}

/** Each daemon's pid, after checking it runs its data plane on the expected address and MTU. */
export async function daemonPids(lab: Lab, expectedMtu: number): Promise<Record<string, number>> {
  const pids: Record<string, number> = {};
  for (const node of lab.nodes) {
    const s = (await adminCall(socketOf(lab, node), 'status', {}, ADMIN_TIMEOUT_MS)) as DaemonStatus;
    if (s.dataPlane.unavailable) throw new SkeinError(ErrorCodes.LAB, `${node} runs without its data plane: ${s.dataPlane.unavailable}`);
    if (s.address !== meshAddress(lab, node)) throw new SkeinError(ErrorCodes.LAB, `${node} reports address ${s.address}, its certificate gives ${meshAddress(lab, node)}`);
    if (s.dataPlane.mtu !== expectedMtu) throw new SkeinError(ErrorCodes.LAB, `${node} runs its TUN with MTU ${s.dataPlane.mtu}, expected ${expectedMtu}`);
    pids[node] = s.pid;
  }
  return pids;
}

function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/\)\s+Z\s/.test(stat); // a zombie has exited
  } catch {
    return false;
  }
}

/** SIGTERM the daemons this bench started (by pid) and wait until they are gone; SIGKILL stragglers. */
export async function stopDaemons(pids: Record<string, number>): Promise<void> {
  const all = Object.values(pids);
  for (const pid of all) if (running(pid)) process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + DAEMON_STOP_GRACE_MS;
  while (all.some(running) && Date.now() < deadline) await sleep(POLL_MS);
  for (const pid of all) if (running(pid)) process.kill(pid, 'SIGKILL');
  while (all.some(running)) await sleep(POLL_MS);
}

/** Write `[tun] mtu = …` into every node's generated config. */
/** Every node's links on the native link (true) or the TypeScript path (false), from the next start. */
export function setNativeLinks(lab: Lab, native: boolean): void {
  for (const node of lab.nodes) {
    const file = nodeConfigPath(lab, node);
    writeFileSync(file, withNativeLinks(readFileSync(file, 'utf8'), native), { mode: 0o600 });
  }
}

export function setTunMtu(lab: Lab, mtu: number): void {
  for (const node of lab.nodes) {
    const file = nodeConfigPath(lab, node);
    writeFileSync(file, withTunMtu(readFileSync(file, 'utf8'), mtu), { mode: 0o600 });
  }
}

/** How `from` reaches `to` now (from its member table), or undefined when it does not. */
export async function routeTo(lab: Lab, from: string, to: string): Promise<MemberInfo | undefined> {
  const members = await adminQuery(socketOf(lab, from), 'nodes', {}, ADMIN_TIMEOUT_MS);
  return members.find((m) => m.name === to);
}

/** Wait (bounded) until `from` routes to `to` over exactly `hops` hops. */
export async function waitForHops(lab: Lab, from: string, to: string, hops: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (signal?.aborted) throw new SkeinError(ErrorCodes.LAB, 'interrupted');
    const route = await routeTo(lab, from, to).catch(() => undefined);
    if (route?.hops === hops) return;
    if (Date.now() > deadline) throw new SkeinError(ErrorCodes.LAB, `${from} did not reach ${to} in ${hops} hops within ${timeoutMs} ms (now: ${route ? `${route.hops} hops` : 'no route'})`);
    await sleep(POLL_MS * 4);
  }
}
