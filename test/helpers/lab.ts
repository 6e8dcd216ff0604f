/**
 * The integration tests' way onto a real network:
 *
 *   await withLab({ nodes: 3, topology: 'line' }, async (lab, t) => {
 *     const p = t.start('n2', ['node', 'server.js'], { label: 'server' });
 *     await p.waitForLine(/ready/, 5_000);
 *     const r = await lab.exec('n1', ['ping', '-c1', '…']);
 *   });
 *
 * The lab always goes away: in `finally`, on SIGINT/SIGTERM, and at process
 * exit as a last resort (synchronously, by name). When the body throws, the
 * output of every process it started and the lab's live status are printed.
 * Lab names are unique per call, so test files can run in parallel.
 */
import { execFileSync, type SpawnOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createLab, type Lab, type TopologyKind } from '../../src/lab/index.js';
import { labNamespacePrefix } from '../../src/lab/naming.js';
import { ManagedProcess, ProcessGroup } from './process.js';
import { after, before } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface LabOptions {
  nodes: number;
  topology: TopologyKind;
  seed?: number;
  /** Default: a fresh unique name. */
  name?: string;
}

export interface LabTest {
  /** Start a long-running program inside a node; it is stopped when the lab goes away. */
  start(node: string, argv: readonly string[], opts?: { label?: string } & SpawnOptions): ManagedProcess;
  /** The output of everything started so far. */
  logs(): string;
}

const LAB_NAME_RANDOM_CHARS = 7;
const active = new Set<string>();
let handlersInstalled = false;

/** A lab name no other test (or test file) is using: `t` + 7 random base-36 characters. */
export function uniqueLabName(prefix = 't'): string {
  const suffix = BigInt(`0x${randomBytes(8).toString('hex')}`).toString(36).slice(0, LAB_NAME_RANDOM_CHARS).padStart(LAB_NAME_RANDOM_CHARS, '0');
  return `${prefix}${suffix}`.slice(0, 10);
}

export async function withLab<T>(opts: LabOptions, body: (lab: Lab, t: LabTest) => Promise<T>): Promise<T> {
  installHandlers();
  const name = opts.name ?? uniqueLabName();
  active.add(name);
  const group = new ProcessGroup();
  let lab: Lab | undefined;
  try {
    lab = await createLab({ name, topology: opts.topology, nodes: opts.nodes, ...(opts.seed !== undefined ? { seed: opts.seed } : {}) });
    const built = lab;
    const t: LabTest = {
      start(node, argv, startOpts = {}) {
        const { label, ...spawnOpts } = startOpts;
        const child = built.spawnIn(node, argv, { stdio: ['ignore', 'pipe', 'pipe'], ...spawnOpts });
        return group.add(new ManagedProcess(label ?? `${node}: ${argv.join(' ')}`, child));
      },
      logs: () => group.logs(),
    };
    return await body(built, t);
  } catch (err) {
    await reportFailure(name, lab, group);
    throw err;
  } finally {
    await group.stopAll();
    try {
      if (lab) await lab.down();
      else destroySync(name);
    } finally {
      active.delete(name);
    }
  }
}

async function reportFailure(name: string, lab: Lab | undefined, group: ProcessGroup): Promise<void> {
  const parts = [`=== lab '${name}' failed; processes started in it:`, group.logs() || '  (none)'];
  if (lab) {
    try {
      const status = await lab.status();
      parts.push('=== live status:', ...status.links.map((l) => `  ${l.a} — ${l.b}: ${l.state}${l.impairment ? ` (${l.impairment})` : ''}`));
      for (const n of status.nodes) parts.push(`  ${n.name}: ${n.interfaces.map((i) => `${i.ifname} ${i.adminUp ? 'up' : 'down'} ${i.linkLocal ?? '-'}`).join(', ')}`);
    } catch (err) {
      parts.push(`=== status unavailable: ${(err as Error).message}`);
    }
  }
  process.stderr.write(`${parts.join('\n')}\n`);
}

/**
 * Synchronous last-resort teardown (signal or exit handlers cannot await):
 * kill what runs in the lab's namespaces, delete them.
 */
export function destroySync(name: string): void {
  const prefix = labNamespacePrefix(name);
  let listing = '';
  try {
    listing = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  } catch {
    return;
  }
  for (const ns of listing.split('\n').map((l) => l.split(' ')[0] ?? '').filter((n) => n.startsWith(prefix))) {
    try {
      for (const pid of execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).split(/\s+/).filter(Boolean)) {
        try { process.kill(Number(pid), 'SIGKILL'); } catch { /* gone */ }
      }
      execFileSync('ip', ['netns', 'del', ns]);
    } catch {
      /* best effort: `skein lab down` finds anything left by name */
    }
  }
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  const sweep = () => { for (const name of active) destroySync(name); };
  process.on('exit', sweep);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      sweep();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  }
}

/** A test file's private lab state directory (SKEIN_LAB_DIR), for CLI tests that run `skein lab` as separate processes. */
export interface CliLabSandbox {
  /** The state directory; set once the file's `before` hook has run. */
  readonly root: string;
  /** The environment every command of the file runs with. */
  readonly env: NodeJS.ProcessEnv;
  /** A unique lab name, destroyed at the end of the file if a test left it behind. */
  labName(prefix: string): string;
  /** Destroy this lab too at the end of the file (one a command named itself) if a test left it behind. */
  track(name: string): void;
}

/** Registers the file's before/after hooks: a fresh state directory, and the cleanup of labs a failed test left. */
export function cliLabSandbox(dirPrefix: string): CliLabSandbox {
  let root = '';
  let env: NodeJS.ProcessEnv = {};
  const made: string[] = [];
  before(() => {
    root = mkdtempSync(join(tmpdir(), dirPrefix));
    env = { ...process.env, SKEIN_LAB_DIR: root };
  });
  after(() => {
    for (const name of made) destroySync(name); // only if a test failed midway
    rmSync(root, { recursive: true, force: true });
  });
  return {
    get root() { return root; },
    get env() { return env; },
    labName(prefix: string): string {
      const name = uniqueLabName(prefix);
      made.push(name);
      return name;
    },
    track(name: string): void {
      made.push(name);
    },
  };
}
