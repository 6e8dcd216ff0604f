/**
 * What the targets on real loopback sockets (native-link, native-tun)
 * share: a listener that hands each accepted connection to the execution
 * waiting for it, a bounded wait, and the IPv6 packets they build and judge.
 */
import { once } from 'node:events';
import net from 'node:net';
import { Finding } from '../engine/target.js';

export const IPV6_HEADER_BYTES = 40;

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

/** Does `a` hold `b` at `offset`? */
export const sameBytes = (a: Uint8Array, offset: number, b: Uint8Array): boolean =>
  a.byteLength >= offset + b.byteLength && Buffer.from(a.subarray(offset, offset + b.byteLength)).equals(b);

/** An IPv6 packet whose payload length matches its length (the check both the TypeScript and the native paths make). */
export function isIpv6(p: Uint8Array): boolean {
  return p.byteLength >= IPV6_HEADER_BYTES && p[0]! >> 4 === 6 && IPV6_HEADER_BYTES + ((p[4]! << 8) | p[5]!) === p.byteLength;
}

/** An IPv6 packet of `body` bytes of payload (no next header), from `source` to `destination`. */
export function ipv6(source: Uint8Array, destination: Uint8Array, body: number): Uint8Array {
  const p = new Uint8Array(IPV6_HEADER_BYTES + body);
  p[0] = 0x60;
  p[4] = body >> 8;
  p[5] = body & 0xff;
  p[6] = 59;
  p.set(source, 8);
  p.set(destination, 24);
  return p;
}
