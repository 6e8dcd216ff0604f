/**
 * What the targets on real loopback sockets (native-link, native-tun)
 * share: a listener that hands each accepted connection to the execution
 * waiting for it, a bounded wait, and the IPv6 packets they send.
 */
import { once } from 'node:events';
import net from 'node:net';
import { IPV6_HEADER_BYTES, writeIpv6Header } from '../../src/dataplane/ipv6.js';
import { Finding } from '../engine/target.js';

/**
 * A loopback TCP listener kept for the process (unref'd, so the process can
 * exit). Accepted sockets are paused (Node never reads them: they are for
 * handing over); one that no execution waits for is destroyed.
 */
export class LoopbackListener {
  private waiting: ((socket: net.Socket) => void) | null = null;

  private constructor(readonly port: number, server: net.Server) {
    server.on('connection', (socket) => {
      const waiting = this.waiting;
      this.waiting = null;
      if (waiting !== null) waiting(socket);
      else {
        socket.on('error', () => {});
        socket.destroy();
      }
    });
  }

  static async open(): Promise<LoopbackListener> {
    const server = net.createServer({ pauseOnConnect: true });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    server.unref();
    return new LoopbackListener((server.address() as net.AddressInfo).port, server);
  }

  /** The next connection accepted. */
  next(): Promise<net.Socket> {
    return new Promise((resolve) => { this.waiting = resolve; });
  }

  /** The execution no longer waits (it failed before its connection came). */
  cancel(): void {
    this.waiting = null;
  }
}

/** Resolves with `p`, or throws a hang Finding once `deadline` (performance.now()) passes. */
export async function within<T>(p: Promise<T>, deadline: number, waitMs: number, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Finding('hang', `${what()} within ${waitMs} ms`)), Math.max(0, deadline - performance.now()));
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export const immediate = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export function hex(b: Uint8Array, max = 48): string {
  const h = Buffer.from(b.subarray(0, max)).toString('hex');
  return b.byteLength > max ? `${h}... (${b.byteLength} bytes)` : `${h} (${b.byteLength} bytes)`;
}

/** An IPv6 packet of `body` bytes of payload (no next header, hop limit 0), from `source` to `destination`. */
export function ipv6(source: Uint8Array, destination: Uint8Array, body: number): Uint8Array {
  const p = new Uint8Array(IPV6_HEADER_BYTES + body);
  writeIpv6Header(p, { payloadLength: body, nextHeader: 59, hopLimit: 0, source, destination });
  return p;
}
