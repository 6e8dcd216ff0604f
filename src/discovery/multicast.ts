/**
 * The UDP edge of discovery: one udp6 socket bound [::]:PORT with
 * SO_REUSEADDR, joined to the group on each used interface, sending to
 * `${group}%${ifname}`. Behind the MulticastTransport interface so the
 * Discovery logic runs against an in-memory double in unit tests.
 *
 * Node 20 facts this relies on (PLATFORM.md):
 * - scope ids must be interface NAMES ('::%eth0'); a numeric or unknown one
 *   silently means "the default interface", so callers pass only names they
 *   saw in os.networkInterfaces();
 * - memberships are joined only after bind() has completed (joining first
 *   auto-binds a random port and the real bind then fails with EINVAL);
 * - multicast loopback is on by default: turned off here (and the receive
 *   policy still drops our own key);
 * - rinfo.address arrives as 'fe80::…%ifname', naming the ingress interface.
 */
import dgram from 'node:dgram';
import { ErrorCodes, SkeinError } from '../util/errors.js';

export type MessageHandler = (data: Uint8Array, fromAddress: string) => void;

export interface MulticastTransport {
  /** Bind and start receiving; rejects on EADDRINUSE, EACCES, … */
  open(onMessage: MessageHandler, onError: (err: Error) => void): Promise<void>;
  /** Join the group on an interface (by name). Throws on failure. */
  join(ifname: string): void;
  /** Leave the group on an interface; never throws (a vanished interface has no membership left). */
  leave(ifname: string): void;
  /** Send one datagram to the group on one interface; resolves with the OS error, if any. */
  send(data: Uint8Array, ifname: string): Promise<NodeJS.ErrnoException | undefined>;
  close(): Promise<void>;
}

export class UdpMulticastTransport implements MulticastTransport {
  private socket: dgram.Socket | undefined;

  constructor(private readonly group: string, private readonly port: number) {}

  open(onMessage: MessageHandler, onError: (err: Error) => void): Promise<void> {
    const socket = dgram.createSocket({ type: 'udp6', reuseAddr: true });
    this.socket = socket;
    return new Promise((resolve, reject) => {
      const failBind = (err: Error) => {
        this.socket = undefined;
        socket.close();
        reject(new SkeinError(ErrorCodes.DISCOVERY, `cannot bind discovery socket udp [::]:${this.port}: ${err.message}`, { cause: err }));
      };
      socket.once('error', failBind);
      socket.bind({ address: '::', port: this.port }, () => {
        socket.off('error', failBind);
        socket.on('error', onError);
        socket.on('message', (msg, rinfo) => onMessage(msg, rinfo.address));
        socket.setMulticastLoopback(false);
        resolve();
      });
    });
  }

  join(ifname: string): void {
    this.requireSocket().addMembership(this.group, `::%${ifname}`);
  }

  leave(ifname: string): void {
    try {
      this.socket?.dropMembership(this.group, `::%${ifname}`);
    } catch {
      // The interface is gone or the membership went with it: nothing to leave.
    }
  }

  send(data: Uint8Array, ifname: string): Promise<NodeJS.ErrnoException | undefined> {
    const socket = this.requireSocket();
    return new Promise((resolve) => {
      try {
        socket.send(data, this.port, `${this.group}%${ifname}`, (err) => resolve(err ?? undefined));
      } catch (err) {
        resolve(err as NodeJS.ErrnoException);
      }
    });
  }

  close(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (socket === undefined) return Promise.resolve();
    return new Promise((resolve) => socket.close(() => resolve()));
  }

  private requireSocket(): dgram.Socket {
    if (this.socket === undefined) throw new SkeinError(ErrorCodes.DISCOVERY, 'discovery multicast socket is not open');
    return this.socket;
  }
}
