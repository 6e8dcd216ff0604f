/**
 * Node directories for in-process daemon tests, no root: a fresh cluster
 * CA, and nodes with discovery off, link port 0 and static peers (top-level
 * keys must precede the TOML tables, so peers go first and extra tables
 * last). Daemons run over loopback TCP on the real clock (DaemonTestbed), or
 * over the in-memory transport on one ManualClock (VirtualDaemonTestbed).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createCa, DEFAULT_INTERMEDIATE_DAYS, generateNodeKey, issueIntermediate } from '../../src/identity/index.js';
import { INTERMEDIATE_CERT_FILE, INTERMEDIATE_KEY_FILE, loadSigner, saveSignerFiles } from '../../src/identity/files.js';
import { loadConfig } from '../../src/node/config.js';
import { Daemon, type DaemonOptions } from '../../src/node/daemon.js';
import { initNodeDir } from '../../src/node/init.js';
import type { StaticPeerConfig } from '../../src/node/peer-config.js';
import { MemoryNetwork } from '../../src/link/transport-memory.js';
import type { LinkTransport } from '../../src/link/transport.js';
import { ManualClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/log.js';
import type { WaitOptions } from './wait.js';

/** Fast link timers, replacing the generated [links] table. */
export const FAST_LINKS = '\n[links]\nkeepalive_ms = 200\ndead_after_ms = 1000\nhandshake_timeout_ms = 2000\n';

/** A loopback port nothing listens on (bound, then closed). */
export async function deadLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/**
 * A CA directory (ca.key, ca.crt) for a new cluster. With `rotateFromDir`,
 * the new CA is a rotation of the CA there (same cluster id, a new key).
 */
export function makeTestCa(dir: string, cluster: string, rotateFromDir?: string): string {
  mkdirSync(dir, { recursive: true });
  const key = generateNodeKey();
  const rotateFrom = rotateFromDir ? loadSigner(rotateFromDir).certificate : undefined;
  saveSignerFiles(join(dir, 'ca.key'), join(dir, 'ca.crt'), key, createCa({ key, name: cluster, nowMs: Date.now(), ...(rotateFrom ? { rotateFrom } : {}) }));
  return dir;
}

/**
 * An intermediate signer directory under the CA in `caDir`, valid `days`: by
 * default longer than a node certificate's default, which it must outlive
 * even when the node is certified in a later second.
 */
export function makeTestIntermediate(dir: string, caDir: string, name: string, days = DEFAULT_INTERMEDIATE_DAYS): string {
  mkdirSync(dir, { recursive: true });
  const key = generateNodeKey();
  saveSignerFiles(join(dir, INTERMEDIATE_KEY_FILE), join(dir, INTERMEDIATE_CERT_FILE), key, issueIntermediate(loadSigner(caDir), { publicKey: key.signing.publicKey, name, nowMs: Date.now(), days }));
  return dir;
}

const TABLE_HEADER = /^\[([^\]]+)\]$/;

/** The names of the tables that a TOML text opens. */
function tableNames(toml: string): Set<string> {
  const names = new Set<string>();
  for (const line of toml.split('\n')) {
    const name = TABLE_HEADER.exec(line)?.[1];
    if (name !== undefined) names.add(name);
  }
  return names;
}

/** The TOML text without the named tables (each from its header to the next header). */
function withoutTables(toml: string, names: ReadonlySet<string>): string {
  let dropping = false;
  const kept: string[] = [];
  for (const line of toml.split('\n')) {
    const name = TABLE_HEADER.exec(line)?.[1];
    if (name !== undefined) dropping = names.has(name);
    if (!dropping) kept.push(line);
  }
  return kept.join('\n');
}

/** A peers entry as TOML: a string, or an inline table pinning name and/or id. */
function tomlPeer(peer: string | StaticPeerConfig): string {
  if (typeof peer === 'string') return JSON.stringify(peer);
  const fields = Object.entries(peer).filter(([, v]) => v !== undefined).map(([k, v]) => `${k} = ${JSON.stringify(v)}`);
  return `{ ${fields.join(', ')} }`;
}

/**
 * A node under root/name: discovery off, port 0, the given static peers,
 * `tables` appended. A table in `tables` that the generated config has too
 * (say `[links]` with fast timers) replaces it: TOML refuses a table defined
 * twice. `groups` go into its certificate. Returns its config path.
 */
export function makeStaticNode(root: string, caDir: string, name: string, peers: ReadonlyArray<string | StaticPeerConfig> = [], tables = '', trust?: string, groups?: string[]): string {
  const r = initNodeDir({ caDir, name, out: join(root, name), nowMs: Date.now(), port: 0, ...(trust !== undefined ? { trust } : {}), ...(groups !== undefined ? { groups } : {}) });
  const generated = readFileSync(r.config, 'utf8').replace('[discovery]', '[discovery]\nenabled = false');
  const body = withoutTables(generated, tableNames(tables));
  writeFileSync(r.config, `peers = [${peers.map(tomlPeer).join(', ')}]\n${body}${tables}`);
  return r.config;
}

/**
 * One test's temporary root for node directories, and the daemons it starts
 * from them (silent logs). `close` stops those still running, newest first,
 * and removes the root; withDaemonTestbed calls it however the test ends.
 */
export class DaemonTestbed {
  readonly root: string;
  private readonly running: Daemon[] = [];

  constructor(prefix: string) {
    this.root = mkdtempSync(join(tmpdir(), prefix));
  }

  async start(config: string, opts: DaemonOptions = {}): Promise<Daemon> {
    const daemon = new Daemon(loadConfig(config), { logger: silentLogger(), ...opts });
    await daemon.start();
    this.running.push(daemon);
    return daemon;
  }

  /** Stop one daemon before the test ends (close will not stop it again). */
  async stop(daemon: Daemon): Promise<void> {
    await daemon.stop();
    const at = this.running.indexOf(daemon);
    if (at >= 0) this.running.splice(at, 1);
  }

  async close(): Promise<void> {
    for (const daemon of this.running.splice(0).reverse()) await daemon.stop();
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** Run `body` with a fresh testbed (root named after `prefix`), closed however the body ends. */
export async function withDaemonTestbed<T>(prefix: string, body: (bed: DaemonTestbed) => Promise<T>): Promise<T> {
  const bed = new DaemonTestbed(prefix);
  try {
    return await body(bed);
  } finally {
    await bed.close();
  }
}

/** One-way latency of the virtual testbed's connections (a loopback's order of magnitude, in whole ms). */
const VIRTUAL_LATENCY_MS = 1;
/** Virtual time per step while waiting; I/O settles between steps. */
const VIRTUAL_STEP_MS = 5;
/** Event-loop turns per step: a stream write, its read, and what that read sends on. */
const SETTLE_TURNS = 4;
/** A stop drives the clock at most this many steps (a minute of virtual time), then just waits. */
const MAX_DRIVING_STEPS = 12_000;

/**
 * The same testbed in virtual time: every daemon on one ManualClock, linked
 * over the in-memory transport. They all share one memory host, 127.0.0.1,
 * as daemons on one machine's loopback do (so `127.0.0.1:PORT` peer
 * addresses work unchanged). `waitFor` advances the clock instead of
 * sleeping: its timeouts are virtual milliseconds. Connections have a
 * small latency on that clock, so nothing crosses the wire until the test
 * lets time pass: a test can subscribe to a daemon's events after start()
 * and miss nothing its first dials cause.
 */
export class VirtualDaemonTestbed extends DaemonTestbed {
  readonly clock = new ManualClock(Date.now());
  readonly network = new MemoryNetwork({ clock: this.clock, latency: () => VIRTUAL_LATENCY_MS });
  readonly transport: LinkTransport = this.network.host('127.0.0.1');

  override start(config: string, opts: DaemonOptions = {}): Promise<Daemon> {
    return super.start(config, { clock: this.clock, transport: this.transport, ...opts });
  }

  override stop(daemon: Daemon): Promise<void> {
    return this.driving(super.stop(daemon));
  }

  override close(): Promise<void> {
    return this.driving(super.close());
  }

  /** Let pending I/O run without moving the clock. */
  async settle(): Promise<void> {
    for (let i = 0; i < SETTLE_TURNS; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  }

  /** Move virtual time forward by `ms`, in small steps, settling I/O after each. */
  async advance(ms: number): Promise<void> {
    await this.settle();
    for (let left = ms; left > 0; left -= VIRTUAL_STEP_MS) {
      this.clock.advance(Math.min(VIRTUAL_STEP_MS, left));
      await this.settle();
    }
  }

  /**
   * waitFor (helpers/wait.ts) in virtual time: the clock moves between
   * attempts, and while an asynchronous attempt (a ping, say) is in flight.
   */
  async waitFor<T>(check: () => T | undefined | false | Promise<T | undefined | false>, opts: WaitOptions): Promise<T> {
    const started = this.clock.monotonic();
    let last = 'no attempt finished';
    for (let attempt = 1; ; attempt++) {
      try {
        const result = check();
        const value = result instanceof Promise ? await this.driving(result) : result;
        if (value !== undefined && value !== false) return value;
        last = `attempt ${attempt} returned ${String(value)}`;
      } catch (err) {
        last = `attempt ${attempt} threw: ${(err as Error).message}`;
      }
      if (this.clock.monotonic() - started >= opts.timeoutMs) {
        throw new Error(`timed out after ${opts.timeoutMs} ms of virtual time waiting for ${opts.what} (${last})`);
      }
      await this.advance(opts.intervalMs ?? VIRTUAL_STEP_MS * 2);
    }
  }

  /** Await `work` while the clock moves (stopping closes links, whose linger runs on the clock). */
  private async driving<T>(work: Promise<T>): Promise<T> {
    let done = false;
    const tracked = work.finally(() => { done = true; });
    tracked.catch(() => {});
    for (let steps = 0; !done && steps < MAX_DRIVING_STEPS; steps++) {
      this.clock.advance(VIRTUAL_STEP_MS);
      await this.settle();
    }
    return tracked;
  }
}

/** Run `body` with a fresh virtual-time testbed, closed however the body ends. */
export async function withVirtualDaemonTestbed<T>(prefix: string, body: (bed: VirtualDaemonTestbed) => Promise<T>): Promise<T> {
  const bed = new VirtualDaemonTestbed(prefix);
  try {
    return await body(bed);
  } finally {
    await bed.close();
  }
}
