/**
 * Skein as a library: run a node inside your program and exchange
 * datagrams with other members by name or id, through the mesh, sealed end
 * to end. No root needed (no TUN); the node links, routes and relays like
 * `skein up`.
 *
 *   import { openNode } from 'skein';
 *   const node = await openNode('/etc/skein/skein.toml');
 *   node.listen(9000, (from, data) => console.log(from.name, data));
 *   await node.waitForMember('db1');
 *   node.send('db1', 9000, new TextEncoder().encode('hello'));
 *   await node.close();
 */
import { loadConfig } from './node/config.js';
import { Daemon, type DaemonOptions } from './node/daemon.js';
import { ErrorCodes, SkeinError } from './util/errors.js';
import { MAX_DATAGRAM_BYTES } from './wire/session-payload.js';
import type { MemberInfo, PingSummary } from './control/protocol.js';

export { MAX_DATAGRAM_BYTES };
export type { MemberInfo, PingSummary };

export interface Sender {
  id: string;
  name: string;
}

export type DatagramHandler = (from: Sender, data: Uint8Array, port: number) => void;

export const MAX_PORT = 0xffff;
const WAIT_POLL_MS = 50;

export class SkeinNode {
  private readonly handlers = new Map<number, DatagramHandler>();

  constructor(private readonly daemon: Daemon) {
    daemon.data.on('payload', (from, p) => {
      if (p.kind !== 'datagram') return;
      // The node's inbound firewall rules hold for datagram ports as for UDP ports (docs/firewall.md).
      if (!daemon.firewall.admitDatagram('inbound', from, p.port)) return;
      const h = this.handlers.get(p.port);
      // The payload is a view into a buffer the stack reuses: hand out a copy.
      if (h) h({ id: from.idText, name: from.name }, new Uint8Array(p.data), p.port);
    });
  }

  get id(): string {
    return this.daemon.identity.key.idText;
  }

  get name(): string {
    return this.daemon.identity.self.name;
  }

  /** Members reachable now (this node included, with hops 0). */
  members(): MemberInfo[] {
    return this.daemon.routing.members();
  }

  /** Receive datagrams sent to `port`; one handler per port. Returns a function that stops listening. */
  listen(port: number, handler: DatagramHandler): () => void {
    checkPort(port);
    if (this.handlers.has(port)) throw new SkeinError(ErrorCodes.USAGE, `port ${port} already has a listener`);
    this.handlers.set(port, handler);
    return () => { this.handlers.delete(port); };
  }

  /**
   * Send a datagram to a member (name or id). Best effort, like UDP: returns
   * false when there is no route to it now, or the node's outbound firewall
   * rules forbid it (counted as a drop). The first datagram to a member
   * starts a session handshake and waits for it (bounded queue).
   */
  send(target: string, port: number, data: Uint8Array): boolean {
    checkPort(port);
    if (data.byteLength > MAX_DATAGRAM_BYTES) throw new SkeinError(ErrorCodes.USAGE, `datagram of ${data.byteLength} bytes exceeds ${MAX_DATAGRAM_BYTES}`);
    const member = this.find(target);
    if (!member) return false;
    if (!this.daemon.firewall.admitDatagram('outbound', member.id, port)) return false;
    this.daemon.data.send(member.id, { kind: 'datagram', port, data });
    return true;
  }

  /** Resolve when a member (name or id) is reachable, or reject after `timeoutMs`. */
  async waitForMember(target: string, timeoutMs = 30_000): Promise<MemberInfo> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.find(target);
      if (m) return m;
      if (Date.now() > deadline) throw new SkeinError(ErrorCodes.USAGE, `member '${target}' not reachable within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, WAIT_POLL_MS));
    }
  }

  /** End-to-end echo, as `skein ping`. */
  ping(target: string, count = 1, timeoutMs = 2000): Promise<PingSummary> {
    return this.daemon.prober.ping(target, { count, intervalMs: 200, timeoutMs, size: 0 }, () => {}, () => false);
  }

  close(): Promise<void> {
    return this.daemon.stop();
  }

  private find(target: string): MemberInfo | undefined {
    const m = this.daemon.routing.resolve(target);
    return m === undefined || m.self ? undefined : m;
  }
}

function checkPort(port: number): void {
  if (!Number.isInteger(port) || port < 0 || port > MAX_PORT) throw new SkeinError(ErrorCodes.USAGE, `port must be 0..${MAX_PORT}, got ${port}`);
}

/** Start a node from its config file, in this process. */
export async function openNode(configPath: string, opts: DaemonOptions = {}): Promise<SkeinNode> {
  const daemon = new Daemon(loadConfig(configPath), opts);
  await daemon.start();
  return new SkeinNode(daemon);
}
