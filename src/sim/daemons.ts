/**
 * Whole daemons in virtual time: N complete `Daemon`s (the real composition
 * root: config files, certificates, links, routing, sessions, the TUN data
 * plane) in one process, on one ManualClock, linked over the in-memory
 * transport (link/transport-memory.ts) as static peers. Nothing touches the
 * network, nothing needs root, and a minute of protocol time takes as long
 * as the work in it.
 *
 *   const mesh = await DaemonMesh.create({ size: 20, edges: ringWithChords(20, 5) });
 *   const ms = await mesh.until(() => mesh.converged(), { maxMs: 30_000 });
 *   mesh.tun(0).inject([packet]);  …  mesh.tun(7).takeWritten();
 *   mesh.cut(3, 4);                      // a silent partition of two nodes
 *   await mesh.close();
 *
 * Each node n has the host address 10.77.x.y on the memory network and
 * listens on every address of it (port 7460; discovery is off). Of an edge
 * (a, b), the node with the higher index dials the lower one. The admin
 * socket lives in the node's directory (a real Unix socket: the admin API
 * works as in a node); DNS, metrics and the web page are off; the TUN is a
 * MemoryTun the test plays the kernel of.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCa, generateNodeKey } from '../identity/index.js';
import { saveSignerFiles } from '../identity/files.js';
import { MemoryTun } from '../dataplane/tun-memory.js';
import type { TunFactory } from '../dataplane/tun-device.js';
import { MemoryNetwork } from '../link/transport-memory.js';
import { loadConfig } from '../node/config.js';
import { Daemon } from '../node/daemon.js';
import { initNodeDir } from '../node/init.js';
import { ManualClock } from '../util/clock.js';
import { silentLogger, type Logger } from '../util/log.js';
import { SeededRandom } from '../util/random.js';

export const MESH_LINK_PORT = 7460;
/** Virtual time per step of `advance`: timers fire in order within a step, I/O settles between steps. */
const DEFAULT_STEP_MS = 5;
/** Event-loop turns per step: enough for a stream write, its read, and what that read sends on. */
const SETTLE_TURNS = 4;

export interface DaemonMeshOptions {
  size: number;
  /** Undirected edges between node indexes (0-based): the static-peer topology. */
  edges: ReadonlyArray<readonly [number, number]>;
  /** One-way latency of every connection, ms (default 0: bytes pass within a step). */
  latencyMs?: number;
  /** Link timers written into each config (defaults: keepalive 200 ms, dead after 1000 ms, handshake 2000 ms). */
  links?: { keepaliveMs: number; deadAfterMs: number; handshakeTimeoutMs: number };
  /** Seed of each daemon's Random (jitter, backoff), plus its index. */
  seed?: number;
  /** Each node's logger (default silent). */
  logger?: (index: number, name: string) => Logger;
  /** Where node directories go (default a fresh directory in the OS temp dir, removed by close). */
  root?: string;
}

/** Node i's host address on the memory network. */
export function meshHostAddress(index: number): string {
  const n = index + 1;
  return `10.77.${n >> 8}.${n & 0xff}`;
}

export function meshNodeName(index: number): string {
  return `n${String(index).padStart(2, '0')}`;
}

/** A ring 0-1-…-(n-1)-0 plus a chord from every `chordEvery`-th node across the ring. */
export function ringWithChords(size: number, chordEvery: number): Array<[number, number]> {
  const edges: Array<[number, number]> = [];
  for (let i = 0; i < size; i++) edges.push([i, (i + 1) % size]);
  for (let i = 0; i < size; i += chordEvery) {
    const j = (i + Math.floor(size / 2)) % size;
    if (!edges.some(([a, b]) => (a === i && b === j) || (a === j && b === i))) edges.push([i, j]);
  }
  return edges;
}

export class DaemonMesh {
  readonly daemons: Daemon[] = [];
  private readonly tuns: MemoryTun[] = [];

  private constructor(
    readonly clock: ManualClock,
    readonly network: MemoryNetwork,
    readonly root: string,
    private readonly ownsRoot: boolean,
    readonly configs: string[],
  ) {}

  static async create(opts: DaemonMeshOptions): Promise<DaemonMesh> {
    const ownsRoot = opts.root === undefined;
    const root = opts.root ?? mkdtempSync(join(tmpdir(), 'skein-mesh-'));
    const nowMs = Date.now();
    const caDir = join(root, 'ca');
    mkdirSync(caDir, { recursive: true });
    const caKey = generateNodeKey();
    saveSignerFiles(join(caDir, 'ca.key'), join(caDir, 'ca.crt'), caKey, createCa({ key: caKey, name: 'mesh', nowMs }));
    const timers = opts.links ?? { keepaliveMs: 200, deadAfterMs: 1000, handshakeTimeoutMs: 2000 };
    const configs: string[] = [];
    for (let i = 0; i < opts.size; i++) {
      const peers = opts.edges.filter(([a, b]) => a === i || b === i).map(([a, b]) => (a === i ? b : a)).filter((other) => other < i);
      configs.push(writeNodeConfig(root, caDir, i, peers, timers, nowMs));
    }
    // Certificates begin at their issue time: virtual time starts just after.
    const clock = new ManualClock(Date.now());
    const latencyMs = opts.latencyMs ?? 0;
    const network = new MemoryNetwork({ clock, ...(latencyMs > 0 && { latency: () => latencyMs }) });
    const mesh = new DaemonMesh(clock, network, root, ownsRoot, configs);
    try {
      for (let i = 0; i < opts.size; i++) await mesh.startNode(i, opts);
    } catch (err) {
      await mesh.close();
      throw err;
    }
    return mesh;
  }

  get size(): number {
    return this.daemons.length;
  }

  daemon(index: number): Daemon {
    const d = this.daemons[index];
    if (d === undefined) throw new RangeError(`no node ${index} in a mesh of ${this.daemons.length}`);
    return d;
  }

  /** Node i's TUN, as the kernel sees it. */
  tun(index: number): MemoryTun {
    const t = this.tuns[index];
    if (t === undefined) throw new RangeError(`node ${index} has no TUN open`);
    return t;
  }

  /** Let pending I/O (stream writes and reads, immediates, promise jobs) run, without moving the clock. */
  async settle(): Promise<void> {
    for (let i = 0; i < SETTLE_TURNS; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  }

  /** Move virtual time forward by `ms`, in steps, settling I/O after each. */
  async advance(ms: number, stepMs = DEFAULT_STEP_MS): Promise<void> {
    await this.settle();
    for (let left = ms; left > 0; left -= stepMs) {
      this.clock.advance(Math.min(stepMs, left));
      await this.settle();
    }
  }

  /**
   * Advance until `condition` holds; resolves with the virtual ms it took.
   * Rejects, naming `what`, when `maxMs` of virtual time pass first.
   */
  async until(condition: () => boolean, opts: { maxMs: number; stepMs?: number; what?: string }): Promise<number> {
    const started = this.clock.monotonic();
    const step = opts.stepMs ?? DEFAULT_STEP_MS;
    await this.settle();
    while (!condition()) {
      const elapsed = this.clock.monotonic() - started;
      if (elapsed >= opts.maxMs) throw new Error(`not within ${opts.maxMs} ms of virtual time: ${opts.what ?? 'the condition'}`);
      await this.advance(step, step);
    }
    return this.clock.monotonic() - started;
  }

  /** Every node knows a route to every other (all of them in `routing.members()`). */
  converged(): boolean {
    return this.daemons.every((d) => d.routing.members().length === this.daemons.length);
  }

  /** Partition nodes a and b: their link goes silent (no FIN) and redials hang until `heal`. */
  cut(a: number, b: number): void {
    this.network.cut(meshHostAddress(a), meshHostAddress(b));
  }

  heal(a: number, b: number): void {
    this.network.heal(meshHostAddress(a), meshHostAddress(b));
  }

  /** True while nodes a and b hold a link to each other. */
  linked(a: number, b: number): boolean {
    return this.daemon(a).links.allLinks().some((l) => l.peer.idText === this.daemon(b).identity.key.idText);
  }

  /** Stop every daemon (newest first) and remove the node directories this mesh made. */
  async close(): Promise<void> {
    const stopping = this.daemons.splice(0).reverse();
    for (const d of stopping) {
      const stopped = d.stop();
      // Stopping closes links, whose linger runs on the clock: let it.
      let done = false;
      void stopped.finally(() => { done = true; });
      for (let i = 0; i < 400 && !done; i++) {
        this.clock.advance(DEFAULT_STEP_MS);
        await this.settle();
      }
      await stopped;
    }
    if (this.ownsRoot) rmSync(this.root, { recursive: true, force: true });
  }

  private async startNode(index: number, opts: DaemonMeshOptions): Promise<void> {
    const name = meshNodeName(index);
    const openTun: TunFactory = (request) => {
      const tun = new MemoryTun({ name: request.name, mtu: request.mtu });
      this.tuns[index] = tun;
      return Promise.resolve(tun);
    };
    const daemon = new Daemon(loadConfig(this.configs[index]!), {
      clock: this.clock,
      random: new SeededRandom((opts.seed ?? 1) + index),
      transport: this.network.host(meshHostAddress(index)),
      openTun,
      logger: opts.logger?.(index, name) ?? silentLogger(),
    });
    await daemon.start();
    this.daemons.push(daemon);
  }
}

function writeNodeConfig(root: string, caDir: string, index: number, peers: number[], timers: NonNullable<DaemonMeshOptions['links']>, nowMs: number): string {
  const name = meshNodeName(index);
  const r = initNodeDir({ caDir, name, out: join(root, name), nowMs, port: MESH_LINK_PORT });
  const generated = readFileSync(r.config, 'utf8')
    .replace('[discovery]', '[discovery]\nenabled = false')
    .replace(/\[links\][^[]*/, `[links]\nkeepalive_ms = ${timers.keepaliveMs}\ndead_after_ms = ${timers.deadAfterMs}\nhandshake_timeout_ms = ${timers.handshakeTimeoutMs}\n\n`);
  const peerList = peers.map((p) => JSON.stringify(`${meshHostAddress(p)}:${MESH_LINK_PORT}`)).join(', ');
  writeFileSync(r.config, `peers = [${peerList}]\n${generated}\n[tun]\nenabled = true\n\n[dns]\nenabled = false\n`);
  return r.config;
}
