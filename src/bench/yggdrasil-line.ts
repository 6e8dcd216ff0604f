/**
 * Running Yggdrasil on a bench line: one `yggdrasil -useconffile F` per
 * namespace (its own process group, output to a log file), its configs and
 * logs in the lab's directory, its addresses derived from those configs, and
 * stopping it: SIGTERM to each process group, SIGKILL after a grace period,
 * then the files removed.
 */
import { execFile, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lab } from '../lab/lab.js';
import { ErrorCodes, SkeinError } from '../util/errors.js';
import { DAEMON_STOP_GRACE_MS } from './bench-mesh.js';
import { parseYggdrasilAddress, parseYggdrasilVersion, yggdrasilConfig, yggdrasilPlans } from './yggdrasil-config.js';

export const YGGDRASIL_BINARY = 'yggdrasil';
const TOOL_TIMEOUT_MS = 10_000;
const LOG_TAIL_CHARS = 300;

/** True when `yggdrasil` is on PATH and runs. */
export function yggdrasilInstalled(): boolean {
  const r = spawnSync(YGGDRASIL_BINARY, ['-version'], { stdio: 'ignore', timeout: TOOL_TIMEOUT_MS });
  return !r.error;
}

/** The version the build reports, or else the Debian package's, or null. */
export function yggdrasilVersion(): string | null {
  const own = spawnSync(YGGDRASIL_BINARY, ['-version'], { encoding: 'utf8', timeout: TOOL_TIMEOUT_MS });
  const version = parseYggdrasilVersion(own.stdout ?? '');
  if (version) return version;
  const pkg = spawnSync('dpkg-query', ['-W', '-f', '${Version}', YGGDRASIL_BINARY], { encoding: 'utf8', timeout: TOOL_TIMEOUT_MS });
  return pkg.status === 0 && pkg.stdout.trim() !== '' ? `${pkg.stdout.trim()} (Debian package)` : null;
}

function run(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(YGGDRASIL_BINARY, args, { timeout: TOOL_TIMEOUT_MS, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new SkeinError(ErrorCodes.LAB, `yggdrasil ${args.join(' ')}: ${(stderr.trim() || err.message).slice(0, 200)}`));
      else resolve(stdout);
    });
  });
}

/** The started daemons: pids and addresses by node, and how to stop them. */
export interface YggdrasilLine {
  dir: string;
  addresses: Map<string, string>;
  /** Each node's TUN interface. */
  ifNames: Map<string, string>;
  pids: Record<string, number>;
  /** When the daemons were spawned (Date.now()). */
  startedAtMs: number;
  /** The end of a node's log, for error messages. */
  logTail(node: string): string;
  /** Stop every daemon (process groups), wait until each has exited, remove the configs and logs. */
  stop(): Promise<void>;
}

/** Write one config per node (fresh keys) into the lab's directory and read each node's address. */
export async function configureYggdrasil(lab: Lab): Promise<{ dir: string; configs: Map<string, string>; addresses: Map<string, string>; ifNames: Map<string, string> }> {
  const dir = join(lab.dir, 'yggdrasil');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const configs = new Map<string, string>();
  const addresses = new Map<string, string>();
  const ifNames = new Map<string, string>();
  for (const [node, plan] of yggdrasilPlans(lab.layout)) {
    ifNames.set(node, plan.ifName);
    const file = join(dir, `${node}.json`);
    writeFileSync(file, yggdrasilConfig(await run(['-genconf', '-json']), plan), { mode: 0o600 });
    configs.set(node, file);
    addresses.set(node, parseYggdrasilAddress(await run(['-useconffile', file, '-address'])));
  }
  return { dir, configs, addresses, ifNames };
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid !== undefined && !exited(child)) process.kill(-child.pid, signal);
  } catch {
    // the group is gone
  }
}

const exitOf = (child: ChildProcess): Promise<void> => new Promise((resolve) => {
  if (exited(child) || child.pid === undefined) resolve();
  else child.once('exit', () => resolve());
});

/** Spawn every node's daemon; `ip netns exec` execs in place, so each child is the daemon itself. */
export function startYggdrasil(lab: Lab, configured: Awaited<ReturnType<typeof configureYggdrasil>>): YggdrasilLine {
  const { dir, configs, addresses, ifNames } = configured;
  const children = new Map<string, ChildProcess>();
  const logOf = (node: string) => join(dir, `${node}.log`);
  const startedAtMs = Date.now();
  for (const [node, file] of configs) {
    const log = openSync(logOf(node), 'w', 0o600);
    try {
      const child = lab.spawnIn(node, [YGGDRASIL_BINARY, '-useconffile', file, '-logto', 'stdout'], { stdio: ['ignore', log, log], detached: true });
      child.on('error', () => { /* pids without a process are left out; the first ping reports the failure */ });
      children.set(node, child);
    } finally {
      closeSync(log);
    }
  }
  const pids: Record<string, number> = {};
  for (const [node, child] of children) if (child.pid !== undefined) pids[node] = child.pid;
  return {
    dir,
    addresses,
    ifNames,
    pids,
    startedAtMs,
    logTail: (node) => {
      try {
        return readFileSync(logOf(node), 'utf8').trim().slice(-LOG_TAIL_CHARS);
      } catch {
        return '';
      }
    },
    stop: async () => {
      const all = [...children.values()];
      for (const child of all) signalGroup(child, 'SIGTERM');
      const grace = new Promise<void>((resolve) => setTimeout(resolve, DAEMON_STOP_GRACE_MS).unref());
      await Promise.race([Promise.all(all.map(exitOf)), grace]);
      for (const child of all) signalGroup(child, 'SIGKILL');
      await Promise.all(all.map(exitOf));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
