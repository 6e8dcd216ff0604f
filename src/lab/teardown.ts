/**
 * Tearing labs down, with certainty: everything is found by name, not by
 * the state file, so a lab whose builder crashed (even kill -9 midway) is
 * still removed completely.
 *
 * For each namespace of the lab: stop the processes inside it (a process
 * keeps a deleted namespace — and its interfaces — alive), then delete it,
 * which destroys its veth ends and bridge with it. Finally the lab directory.
 * Lab interfaces only ever exist inside lab namespaces, so nothing in the
 * host needs cleaning.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { labNamespacePrefix, parseNamespaceName, validateLabName } from './naming.js';
import { forEachLimited } from './limit.js';
import type { CommandRunner } from './runner.js';
import { LabPaths, labDirNames, removeLabDir } from './state.js';

/** How long processes in a namespace get to exit after SIGTERM before SIGKILL. */
export const PROCESS_GRACE_MS = 1_500;
const PROCESS_POLL_MS = 50;

export interface TeardownOptions {
  root: string;
  runner: CommandRunner;
  /** Signal a process; injected so tests never signal real processes. */
  kill?: (pid: number, signal: NodeJS.Signals) => void;
}

export interface TeardownReport {
  name: string;
  namespaces: string[];
  /** Processes that were still running inside the lab and were stopped. */
  processesStopped: number;
  removedDir: boolean;
}

export async function listNamespaces(runner: CommandRunner): Promise<string[]> {
  const { stdout } = await runner.run({ file: 'ip', args: ['-j', 'netns', 'list'] });
  if (stdout.trim() === '') return [];
  const parsed = JSON.parse(stdout) as unknown;
  if (!Array.isArray(parsed)) return [];
  return parsed.flatMap((e) => (e && typeof e === 'object' && typeof (e as { name?: unknown }).name === 'string' ? [(e as { name: string }).name] : []));
}

export async function labNamespaces(runner: CommandRunner, lab: string): Promise<string[]> {
  const prefix = labNamespacePrefix(lab);
  return (await listNamespaces(runner)).filter((ns) => ns.startsWith(prefix) && parseNamespaceName(ns)?.lab === lab).sort();
}

/** Every lab that exists in any form: a directory under root or namespaces by name. */
export async function existingLabNames(root: string, runner: CommandRunner): Promise<string[]> {
  const names = new Set<string>(labDirNames(root).filter(isValidLabName));
  for (const ns of await listNamespaces(runner)) {
    const parsed = parseNamespaceName(ns);
    if (parsed) names.add(parsed.lab);
  }
  return [...names].sort();
}

export async function destroyLab(name: string, opts: TeardownOptions): Promise<TeardownReport> {
  validateLabName(name);
  const namespaces = await labNamespaces(opts.runner, name);
  const stopped = await forEachLimited(namespaces, (ns) => stopProcesses(ns, opts));
  await forEachLimited(namespaces, (ns) => deleteNamespace(ns, opts.runner));
  const paths = new LabPaths(opts.root, name);
  const hadDir = labDirNames(opts.root).includes(name);
  removeLabDir(paths);
  return { name, namespaces, processesStopped: stopped.reduce((a, b) => a + b, 0), removedDir: hadDir };
}

export async function destroyAllLabs(opts: TeardownOptions): Promise<TeardownReport[]> {
  const reports: TeardownReport[] = [];
  for (const name of await existingLabNames(opts.root, opts.runner)) reports.push(await destroyLab(name, opts));
  return reports;
}

async function namespacePids(ns: string, runner: CommandRunner): Promise<number[]> {
  try {
    const { stdout } = await runner.run({ file: 'ip', args: ['netns', 'pids', ns] });
    return stdout.split(/\s+/).filter((s) => /^\d+$/.test(s)).map(Number);
  } catch {
    return []; // the namespace vanished meanwhile
  }
}

/** SIGTERM, a grace period, then SIGKILL. Returns how many processes were found. */
async function stopProcesses(ns: string, opts: TeardownOptions): Promise<number> {
  const kill = opts.kill ?? defaultKill;
  const pids = await namespacePids(ns, opts.runner);
  if (pids.length === 0) return 0;
  for (const pid of pids) kill(pid, 'SIGTERM');
  for (let waited = 0; waited < PROCESS_GRACE_MS; waited += PROCESS_POLL_MS) {
    await sleep(PROCESS_POLL_MS);
    if ((await namespacePids(ns, opts.runner)).length === 0) return pids.length;
  }
  for (const pid of await namespacePids(ns, opts.runner)) kill(pid, 'SIGKILL');
  return pids.length;
}

async function deleteNamespace(ns: string, runner: CommandRunner): Promise<void> {
  try {
    await runner.run({ file: 'ip', args: ['netns', 'del', ns] });
  } catch (err) {
    // Gone already (another teardown raced us) is success; anything else is a real failure.
    if (!(await listNamespaces(runner)).includes(ns)) return;
    throw err;
  }
}

function defaultKill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    /* exited meanwhile */
  }
}

function isValidLabName(name: string): boolean {
  try {
    validateLabName(name);
    return true;
  } catch {
    return false;
  }
}
