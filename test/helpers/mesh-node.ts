/**
 * Talking to the daemons of a lab mesh from a test: the admin API over a
 * node's socket (for polling), the `skein` CLI run inside the node (as an
 * operator would), and `skein events --json` followed from a node.
 */
import { join } from 'node:path';
import { adminCall, adminStream } from '../../src/control/client.js';
import { meshEnv, type ExecResult, type Lab } from '../../src/lab/index.js';
import type { LabTest } from './lab.js';
import type { ManagedProcess } from './process.js';
import { waitFor } from './wait.js';
import type { MemberInfo, PingEvent } from '../../src/control/protocol.js';

export const socketOf = (lab: Lab, node: string): string => join(lab.nodeDir(node), 'skein.sock');

export const admin = (lab: Lab, node: string, method: string, params: Record<string, unknown> = {}): Promise<unknown> =>
  adminCall(socketOf(lab, node), method, params);

export const members = async (lab: Lab, node: string): Promise<MemberInfo[]> => (await admin(lab, node, 'nodes')) as MemberInfo[];

/** Wait until every node of the lab lists every node as a member. */
export async function waitForFullMembership(lab: Lab, timeoutMs = 20_000): Promise<void> {
  await waitFor(async () => {
    for (const n of lab.nodes) if ((await members(lab, n)).length !== lab.nodes.length) return false;
    return true;
  }, { timeoutMs, what: 'all members known everywhere' });
}

/** A mesh ping over the admin API (what `skein ping` asks for), without starting a CLI: its summary. */
export async function adminPing(lab: Lab, node: string, target: string, count = 1, timeoutMs = 3_000): Promise<Extract<PingEvent, { type: 'summary' }>> {
  let summary: Extract<PingEvent, { type: 'summary' }> | undefined;
  let failure: string | undefined;
  const s = await adminStream(socketOf(lab, node), 'ping', { target, count, intervalMs: 200, timeoutMs }, (raw) => {
    const e = raw as PingEvent | { type: 'error'; message: string };
    if (e.type === 'error') failure = e.message;
    if (e.type === 'summary') summary = e;
    if (e.type === 'error' || e.type === 'summary') s.stop();
  });
  await s.done;
  if (summary === undefined) throw new Error(`ping ${target} from ${node}: ${failure ?? 'no summary'}`);
  return summary;
}

/** `skein ARGS` inside a node, with its config. */
export function skein(lab: Lab, node: string, args: readonly string[], timeoutMs = 30_000): Promise<ExecResult> {
  return lab.exec(node, ['skein', ...args], { env: meshEnv(lab, node), timeoutMs });
}

/** `skein ARGS --json` inside a node; throws with its stderr when it fails. */
export async function skeinJson<T>(lab: Lab, node: string, args: readonly string[]): Promise<T> {
  const r = await skein(lab, node, [...args, '--json']);
  if (r.code !== 0) throw new Error(`skein ${args.join(' ')} in ${node} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

export type StreamedEvent = { time: string; type: string } & Record<string, unknown>;

/** `skein events --json` followed from a node until the lab goes away. */
export function followEvents(lab: Lab, t: LabTest, node: string): ManagedProcess {
  return t.start(node, ['skein', 'events', '--json'], { label: `${node}: skein events`, env: meshEnv(lab, node) });
}

/** The events a follower has printed so far. */
export function eventsOf(follower: ManagedProcess): StreamedEvent[] {
  return follower.stdoutLines().filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as StreamedEvent);
}
