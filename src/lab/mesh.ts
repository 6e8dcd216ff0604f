/**
 * A Skein mesh on a lab: a fresh cluster CA in the lab's directory, one node
 * initialised per namespace (key, certificate, config in the node's
 * directory; certified as the options' certification plan says, see
 * certify.ts), and one `skein up` daemon started inside each namespace with
 * its log beside its config. `lab down` stops the daemons first (it stops
 * every process in the lab's namespaces).
 *
 * Commands run with `meshEnv` see SKEIN_CONFIG pointing at their node's
 * config and a `skein` on PATH, so `skein lab exec n1 -- skein neighbors`
 * answers for n1.
 */
import { chmodSync, closeSync, mkdirSync, openSync, existsSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { adminCall } from '../control/client.js';
import { createCa, generateNodeKey } from '../identity/index.js';
import { saveSignerFiles } from '../identity/files.js';
import { initNodeDir, NODE_CONFIG_FILE } from '../node/init.js';
import { DAEMON_ENV, DAEMON_NODE_FLAGS } from '../node/node-flags.js';
import type { ConfigTuning } from '../node/config.js';
import { ErrorCodes, SkeinError } from '../util/errors.js';
import { certificationOf, checkCertificationPlan, issueLabSigners, type CertificationPlan } from './certify.js';
import type { Lab } from './lab.js';

export const MESH_CA_DIR = 'ca';
export const MESH_BIN_DIR = 'bin';
export const NODE_LOG_FILE = 'skein.log';
/** How long `startMesh` waits for every daemon's admin API to answer. */
export const MESH_START_TIMEOUT_MS = 20_000;
const POLL_MS = 100;

export interface MeshOptions extends CertificationPlan {
  /** Cluster name; default: the lab name. */
  cluster?: string;
  /** Timers written into every node's config (e.g. faster ones for tests). */
  tuning?: ConfigTuning;
  logLevel?: string;
  /** Extra environment for the daemons of particular nodes (the bench's experiments set libuv's settings and a code cache directory this way). */
  env?: Record<string, NodeJS.ProcessEnv>;
  /** Node.js (V8) flags for every daemon, after DAEMON_NODE_FLAGS (the bench's experiments with V8's settings). */
  nodeFlags?: readonly string[];
  /**
   * A command each of these nodes' daemons runs under, e.g. `taskset -c 0`.
   * It must exec the daemon in place (as taskset does), so that the pid
   * the daemon reports is the process that was started.
   */
  wrapper?: Record<string, readonly string[]>;
}

const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The argv that runs this very build of the skein CLI: the compiled one
 * (bin/skein.js) normally, or the TypeScript sources through tsx when this
 * module itself runs from sources (tests).
 */
export function skeinArgv(): string[] {
  if (import.meta.url.endsWith('.ts')) {
    return [process.execPath, '--import', import.meta.resolve('tsx'), join(PACKAGE_ROOT, 'src', 'cli', 'run.ts')];
  }
  return [process.execPath, join(PACKAGE_ROOT, 'bin', 'skein.js')];
}

export function nodeConfigPath(lab: Lab, node: string): string {
  return join(lab.nodeDir(node), NODE_CONFIG_FILE);
}

/** Environment for a command run in a node of a lab with a mesh: SKEIN_CONFIG and `skein` on PATH. */
export function meshEnv(lab: Lab, node: string, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  if (!existsSync(nodeConfigPath(lab, node))) return base;
  return { ...base, SKEIN_CONFIG: nodeConfigPath(lab, node), PATH: `${join(lab.dir, MESH_BIN_DIR)}:${base.PATH ?? '/usr/bin:/bin'}` };
}

function writeShim(lab: Lab): void {
  const dir = join(lab.dir, MESH_BIN_DIR);
  mkdirSync(dir, { recursive: true });
  const quoted = skeinArgv().map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  const shim = join(dir, 'skein');
  writeFileSync(shim, `#!/bin/sh\nexec ${quoted} "$@"\n`);
  chmodSync(shim, 0o755);
}

/** Make the CA, the plan's intermediate signers and every node's files (no daemons yet). */
export function initMesh(lab: Lab, opts: MeshOptions = {}): void {
  checkCertificationPlan(opts, lab.nodes);
  const caDir = join(lab.dir, MESH_CA_DIR);
  mkdirSync(caDir, { recursive: true, mode: 0o700 });
  const key = generateNodeKey();
  const now = Date.now();
  const cert = createCa({ key, name: opts.cluster ?? lab.name, nowMs: now });
  saveSignerFiles(join(caDir, 'ca.key'), join(caDir, 'ca.crt'), key, cert, { force: true });
  issueLabSigners(lab.dir, caDir, opts, now);
  for (const node of lab.nodes) {
    const certification = certificationOf(node, opts, { lab: lab.dir, ca: caDir }, now);
    initNodeDir({ ...certification, out: lab.nodeDir(node), force: true, ...(opts.tuning ? { tuning: opts.tuning } : {}) });
  }
  writeShim(lab);
}

/** The command line of `node`'s daemon: its wrapper, node with the daemon's flags and the options', the CLI, `up`. */
export function daemonArgv(node: string, configPath: string, opts: MeshOptions = {}, cli: readonly string[] = skeinArgv()): string[] {
  const [node0, ...script] = cli;
  return [
    ...(opts.wrapper?.[node] ?? []),
    node0!, ...DAEMON_NODE_FLAGS, ...(opts.nodeFlags ?? []), ...script,
    'up', '--config', configPath, ...(opts.logLevel ? ['--log-level', opts.logLevel] : []),
  ];
}

/** The environment of `node`'s daemon: ours, the daemon's own (DAEMON_ENV, as bin/skein.js's first line sets it), the options'. */
export function daemonEnv(node: string, opts: MeshOptions = {}, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...base, ...DAEMON_ENV, ...(opts.env?.[node] ?? {}) };
}

/** Start one daemon per node (detached, logging to the node's directory). */
export function startDaemons(lab: Lab, nodes: readonly string[] = lab.nodes, opts: MeshOptions = {}): void {
  for (const node of nodes) {
    const log = openSync(join(lab.nodeDir(node), NODE_LOG_FILE), 'a');
    try {
      const argv = daemonArgv(node, nodeConfigPath(lab, node), opts);
      const env = daemonEnv(node, opts);
      const child = lab.spawnIn(node, argv, { detached: true, stdio: ['ignore', log, log], cwd: lab.nodeDir(node), env });
      child.unref();
    } finally {
      closeSync(log);
    }
  }
}

/** Wait until every node's admin API answers (or `signal` aborts). */
export async function waitForDaemons(lab: Lab, nodes: readonly string[] = lab.nodes, timeoutMs = MESH_START_TIMEOUT_MS, signal?: AbortSignal): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const pending = new Set(nodes);
  while (pending.size > 0) {
    if (signal?.aborted) throw new SkeinError(ErrorCodes.LAB, `interrupted while waiting for the daemons of lab '${lab.name}'`);
    for (const node of [...pending]) {
      try {
        await adminCall(join(lab.nodeDir(node), 'skein.sock'), 'status', {}, 1000);
        pending.delete(node);
      } catch { /* not up yet */ }
    }
    if (pending.size === 0) break;
    if (Date.now() > deadline) {
      throw new SkeinError(ErrorCodes.LAB, `daemons of ${[...pending].join(', ')} did not start within ${timeoutMs} ms (see ${join(lab.dir, 'nodes', '<node>', NODE_LOG_FILE)})`);
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

export async function startMesh(lab: Lab, opts: MeshOptions = {}, signal?: AbortSignal): Promise<void> {
  initMesh(lab, opts);
  startDaemons(lab, lab.nodes, opts);
  await waitForDaemons(lab, lab.nodes, MESH_START_TIMEOUT_MS, signal);
}
