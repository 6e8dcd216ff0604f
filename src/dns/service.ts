/**
 * The DNS responder as a service of the node: answers NAME.<zone> with
 * members' addresses, listening on the node's TUN address. The daemon
 * starts it after the TUN device (the address must be on an interface);
 * without a TUN device it does not start.
 *
 * The start is not awaited: nothing on the way to the first packet needs
 * DNS, and binding the socket there would delay it. A responder that cannot
 * start is logged and the node runs on without it.
 */
import { DnsResponder, type DnsCounters } from './responder.js';
import { startDnsServer, type DnsServer } from './server.js';
import type { Logger } from '../util/log.js';

export interface DnsServiceOptions {
  enabled: boolean;
  port: number;
  /** The zone, e.g. "prod.skein" (zoneFor). */
  zone: string;
  /** The address to listen on (the node's TUN address), or undefined while there is no TUN device. */
  listenAddress: () => string | undefined;
  /** A member's address (16 bytes) by node name, or undefined when no member has that name. */
  lookup: (name: string) => Uint8Array | undefined;
  log: Logger;
}

export interface DnsServiceStatus {
  /** Where it listens, "[address]:port", or null when it does not. */
  dns: string | null;
  dnsCounters: DnsCounters | null;
}

export class DnsService {
  readonly name = 'dns';
  private server: DnsServer | undefined;
  private responder: DnsResponder | undefined;
  /** The start, under way or done (it never rejects: a failure is logged). */
  private starting: Promise<void> | undefined;

  constructor(private readonly opts: DnsServiceOptions) {}

  start(): void {
    if (!this.opts.enabled) return;
    const host = this.opts.listenAddress();
    if (host === undefined) return;
    this.starting = this.listen(host);
  }

  async stop(): Promise<void> {
    await this.starting;
    await this.server?.close();
    this.server = undefined;
  }

  status(): DnsServiceStatus {
    return {
      dns: this.server ? `[${this.server.address}]:${this.server.port}` : null,
      dnsCounters: this.responder ? { ...this.responder.counters } : null,
    };
  }

  /** Never rejects: a responder that cannot start is logged and the node runs on without it. */
  private async listen(host: string): Promise<void> {
    const { zone, port, log } = this.opts;
    this.responder = new DnsResponder({ zone, lookup: this.opts.lookup });
    try {
      this.server = await startDnsServer({ host, port, responder: this.responder });
      log.info({ zone, listen: `[${host}]:${port}` }, 'DNS responder up');
    } catch (err) {
      log.warn({ reason: (err as Error).message }, 'DNS responder not started');
    }
  }
}
