/**
 * Driving test/helpers/probe.ts from tests: an answerer started in one node,
 * a one-shot ask run in another, and the ask's verdict parsed.
 */
import { fileURLToPath } from 'node:url';
import type { Lab } from '../../src/lab/index.js';
import type { LabTest } from './lab.js';
import type { ManagedProcess } from './process.js';
import { REPO_ROOT } from './paths.js';

const PROBE_SCRIPT = fileURLToPath(new URL('./probe.ts', import.meta.url));
/** Node + tsx start-up inside a namespace takes ~0.5 s; this bounds it on a loaded machine. */
const PROBE_START_TIMEOUT_MS = 15_000;

export function probeArgv(...args: string[]): string[] {
  return [process.execPath, '--import', 'tsx', PROBE_SCRIPT, ...args];
}

/** Start an answerer on the given interfaces of a node and wait until it has joined the group. */
export async function startAnswerer(t: LabTest, node: string, ifaces: readonly string[]): Promise<ManagedProcess> {
  const proc = t.start(node, probeArgv('answer', ...ifaces.flatMap((i) => ['--iface', i])), { label: `probe answer @${node}`, cwd: REPO_ROOT });
  await proc.waitForLine(/"event":"ready"/, PROBE_START_TIMEOUT_MS);
  return proc;
}

export interface AskResult {
  ok: boolean;
  /** The probe's verdict: {event: 'ok', from, ms, …} or {event: 'timeout', …}. */
  verdict: Record<string, unknown>;
  output: string;
}

/** Multicast a hello out of `iface` of `node` and wait (up to timeoutMs) for a TCP answer. */
export async function ask(lab: Lab, node: string, iface: string, timeoutMs: number): Promise<AskResult> {
  const result = await lab.exec(node, probeArgv('ask', '--iface', iface, '--timeout', String(timeoutMs)), { cwd: REPO_ROOT, timeoutMs: timeoutMs + PROBE_START_TIMEOUT_MS });
  const lines = result.stdout.trim().split('\n').filter((l) => l.startsWith('{'));
  const verdict = lines.length > 0 ? (JSON.parse(lines[lines.length - 1] as string) as Record<string, unknown>) : {};
  return { ok: result.code === 0 && verdict.event === 'ok', verdict, output: `${result.stdout}${result.stderr}` };
}
