/**
 * A link transport inside one process: hosts are names (any address
 * text), ports are numbers, connections are MemoryDuplex pairs. Tests and
 * whole daemons in virtual time use it in place of TCP.
 *
 *   const net = new MemoryNetwork({ clock });
 *   const a = net.host('10.0.0.1');          // a LinkTransport for one host
 *   await a.listen({ address: '::', port: 7460, onConnection });
 *   net.host('10.0.0.2').dial('10.0.0.1', 7460);
 *
 * Like TCP: a dial to a port nobody listens on fails with ECONNREFUSED,
 * asynchronously; a bind to a port in use fails with EADDRINUSE; closing a
 * listener leaves its connections. Beyond TCP, for tests: `cut(a, b)`
 * partitions two hosts (their connections go silent, no FIN, and dials
 * between them are never answered, like lost SYNs) until `heal(a, b)`;
 * `down(host)` does the same for every peer of a host. With `latency`,
 * bytes take that long one way on the clock (a connect takes a round trip).
 * Several transports may share one host (daemons on one machine's
 * loopback): they share its ports.
 */
import type { Duplex } from 'node:stream';
import type { Clock } from '../util/clock.js';
import { MemoryDuplex, type MemoryDuplexOptions } from './memory-duplex.js';
import { isWildcardAddress, type LinkListener, type LinkTransport, type ListenRequest } from './transport.js';

/** Where picked ports start (listen port 0, and each dial's source port). */
const FIRST_PICKED_PORT = 32_768;
const LAST_PORT = 65_535;

export interface MemoryNetworkOptions {
  /** Needed for latency: in-flight bytes are delivered by its timers. */
  clock?: Clock;
  /** One-way latency in ms between two hosts (default none: bytes pass in a microtask). */
  latency?: (from: string, to: string) => number;
  /** Readable buffer of each connection end before backpressure (bytes). */
  highWaterMark?: number;
}

interface Connection {
  hosts: [string, string];
  ends: [MemoryDuplex, MemoryDuplex];
}

function errnoError(code: string, message: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`${message} (${code})`);
  err.code = code;
  return err;
}

function pairKey(a: string, b: string): string {
  return a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`;
}

export class MemoryNetwork {
  private readonly listeners = new Map<string, ListenRequest>();
  private readonly nextPort = new Map<string, number>();
  private readonly partitions = new Set<string>();
  private readonly downHosts = new Set<string>();
  private connections: Connection[] = [];

  constructor(private readonly opts: MemoryNetworkOptions = {}) {}

  /** The transport of one host (make as many as you like for the same host). */
  host(address: string): LinkTransport {
    return new MemoryTransport(this, address);
  }

  /** Connections open now between two hosts (either way), for tests to look at. */
  connectionCount(a?: string, b?: string): number {
    return this.live().filter((c) => (a === undefined || c.hosts.includes(a)) && (b === undefined || c.hosts.includes(b))).length;
  }

  /** Partition two hosts: their connections go silent (no FIN) and new dials between them hang. */
  cut(a: string, b: string): void {
    this.partitions.add(pairKey(a, b));
    for (const c of this.live()) if (c.hosts.includes(a) && c.hosts.includes(b) && (a !== b || c.hosts[0] === c.hosts[1])) c.ends[0].cut();
  }

  /** End a partition made by cut(); connections already cut stay dead (as after a real outage, keepalives end them). */
  heal(a: string, b: string): void {
    this.partitions.delete(pairKey(a, b));
  }

  /** Take a host off the network: every connection of it goes silent, dials to or from it hang. */
  down(host: string): void {
    this.downHosts.add(host);
    for (const c of this.live()) if (c.hosts.includes(host)) c.ends[0].cut();
  }

  up(host: string): void {
    this.downHosts.delete(host);
  }

  /** Cut one connection, found by the stream of either end. */
  cutConnection(stream: Duplex): boolean {
    const c = this.connections.find((x) => x.ends.includes(stream as MemoryDuplex));
    c?.ends[0].cut();
    return c !== undefined;
  }

  // ---- for MemoryTransport --------------------------------------------

  /** @internal */
  bind(host: string, request: ListenRequest): LinkListener {
    const address = isWildcardAddress(request.address) ? host : request.address;
    if (address !== host) throw errnoError('EADDRNOTAVAIL', `memory transport: ${request.address} is not an address of host ${host}`);
    const port = request.port === 0 ? this.pickPort(host) : request.port;
    const key = `${host}:${port}`;
    if (this.listeners.has(key)) throw errnoError('EADDRINUSE', `memory transport: ${host} port ${port} is in use`);
    const open = new Set<Duplex>();
    const entry: ListenRequest = {
      ...request,
      onConnection: (stream, remote) => {
        open.add(stream);
        stream.once('close', () => open.delete(stream));
        request.onConnection(stream, remote);
      },
    };
    this.listeners.set(key, entry);
    return {
      address: request.address,
      port,
      close: async () => {
        if (this.listeners.get(key) === entry) this.listeners.delete(key);
        await Promise.all([...open].map((s) => new Promise((resolve) => s.once('close', resolve))));
      },
    };
  }

  /** @internal */
  connect(from: string, host: string, port: number): Duplex {
    const oneWay = this.opts.latency?.(from, host) ?? 0;
    const options = this.streamOptions(oneWay);
    const dialer = MemoryDuplex.dialing(options);
    const answer = () => {
      if (dialer.destroyed) return;
      if (this.unreachable(from, host)) return; // a lost SYN: the caller's own timeout ends it
      const listener = this.listeners.get(`${host}:${port}`);
      if (listener === undefined) {
        dialer.refuse(errnoError('ECONNREFUSED', `memory transport: connect ${host}:${port} refused`));
        return;
      }
      const sourcePort = this.pickPort(from);
      const accepted = dialer.attach(options);
      this.connections.push({ hosts: [from, host], ends: [dialer, accepted] });
      listener.onConnection(accepted, { address: from, port: sourcePort });
    };
    if (oneWay > 0 && this.opts.clock !== undefined) this.opts.clock.setTimeout(answer, 2 * oneWay);
    else queueMicrotask(answer);
    return dialer;
  }

  private unreachable(a: string, b: string): boolean {
    return this.downHosts.has(a) || this.downHosts.has(b) || this.partitions.has(pairKey(a, b));
  }

  private streamOptions(oneWayMs: number): MemoryDuplexOptions {
    const { clock, highWaterMark } = this.opts;
    return {
      ...(highWaterMark !== undefined && { highWaterMark }),
      ...(oneWayMs > 0 && clock !== undefined && { latency: { clock, ms: oneWayMs } }),
    };
  }

  /** Connections whose ends are not both gone (closed ones are forgotten here). */
  private live(): Connection[] {
    this.connections = this.connections.filter((c) => !(c.ends[0].destroyed && c.ends[1].destroyed));
    return this.connections;
  }

  private pickPort(host: string): number {
    let port = this.nextPort.get(host) ?? FIRST_PICKED_PORT;
    while (this.listeners.has(`${host}:${port}`)) port = port >= LAST_PORT ? FIRST_PICKED_PORT : port + 1;
    this.nextPort.set(host, port >= LAST_PORT ? FIRST_PICKED_PORT : port + 1);
    return port;
  }
}

/** One host's view of a MemoryNetwork. */
export class MemoryTransport implements LinkTransport {
  readonly name = 'memory';

  constructor(readonly network: MemoryNetwork, readonly address: string) {}

  listen(request: ListenRequest): Promise<LinkListener> {
    try {
      return Promise.resolve(this.network.bind(this.address, request));
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  dial(host: string, port: number): Duplex {
    return this.network.connect(this.address, host, port);
  }
}
