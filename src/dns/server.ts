/**
 * The DNS responder on a UDP socket. The daemon binds it on its TUN address,
 * port 53, so every member (and the host itself) can resolve member names
 * through the mesh; tests bind it on loopback and a high port.
 *
 * UDP only: every answer is one small record, far below 512 bytes, so a
 * response is never truncated and TCP (RFC 7766) is not needed for it.
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { ErrorCodes, SkeinError } from '../util/errors.js';
import type { DnsResponder } from './responder.js';

export const DNS_PORT = 53;

export interface DnsServer {
  readonly address: string;
  readonly port: number;
  close(): Promise<void>;
}

export interface DnsServerOptions {
  host: string;
  port?: number;
  responder: DnsResponder;
}

export async function startDnsServer(opts: DnsServerOptions): Promise<DnsServer> {
  const socket: Socket = createSocket({ type: isIPv6(opts.host) ? 'udp6' : 'udp4', ipv6Only: isIPv6(opts.host) });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', (err: NodeJS.ErrnoException) =>
      reject(new SkeinError(ErrorCodes.CONFIG, `dns: cannot listen on [${opts.host}]:${opts.port ?? DNS_PORT}: ${err.code ?? err.message}`, { cause: err })));
    socket.bind({ address: opts.host, port: opts.port ?? DNS_PORT, exclusive: true }, () => resolve());
  });
  // After bind: a send error (the asker vanished) must not kill the process.
  socket.on('error', () => undefined);
  socket.on('message', (query, rinfo) => {
    const response = opts.responder.answer(query);
    if (response) socket.send(response, rinfo.port, rinfo.address);
  });
  const bound = socket.address();
  return {
    address: bound.address,
    port: bound.port,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
