/**
 * The link transport over TCP (the daemon's default). Nagle is off on both
 * ends: link frames are small and latency-bound, and the channel batches
 * what it can itself.
 */
import { connect, createServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { LinkListener, LinkTransport, ListenRequest } from './transport.js';

export class TcpTransport implements LinkTransport {
  readonly name = 'tcp';

  listen(request: ListenRequest): Promise<LinkListener> {
    const { address, port, onConnection, onError } = request;
    const server = createServer((sock: Socket) => {
      sock.setNoDelay(true);
      onConnection(sock, { address: sock.remoteAddress ?? '?', port: sock.remotePort ?? 0 });
    });
    return new Promise<LinkListener>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: address, port, ipv6Only: false }, () => {
        server.off('error', reject);
        server.on('error', (err) => onError?.(err));
        const bound = server.address();
        resolve({
          address,
          port: typeof bound === 'object' && bound !== null ? bound.port : port,
          close: () => new Promise<void>((done) => server.close(() => done())),
        });
      });
    });
  }

  dial(host: string, port: number): Duplex {
    const sock = connect({ host, port });
    sock.setNoDelay(true);
    return sock;
  }
}

/** One shared instance: the transport holds no state. */
export const tcpTransport: LinkTransport = new TcpTransport();
