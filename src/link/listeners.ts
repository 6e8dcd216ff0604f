/**
 * The link listener's sockets: one TCP server per address, all on one port
 * (an I/O edge; the decisions are in the link manager).
 *
 * Which addresses (config `listen.address`, docs/limits.md): by default the
 * link-local address of each interface discovery uses (`fe80::…%if`), so
 * the port is reachable only from the segments we advertise on; an
 * explicit `listen.address` is listened on as well, and a wildcard (`::`,
 * `0.0.0.0`) alone covers every address. A link-local address is refused
 * while it is still tentative (duplicate address detection, about 1.5 s
 * after the link comes up): that bind is retried every LISTEN_RETRY_MS
 * until it works or the interface goes away.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { Clock, TimerHandle } from '../util/clock.js';
import { ErrorCodes, SkeinError } from '../util/errors.js';
import type { Logger } from '../util/log.js';

export const LISTEN_RETRY_MS = 500;
/** Errors of a bind that may work later: the address is not (yet) usable. */
const RETRYABLE = new Set(['EADDRNOTAVAIL', 'EINVAL', 'ENODEV']);

export function isWildcardAddress(host: string): boolean {
  return host === '::' || host === '0.0.0.0' || host === '[::]';
}

interface Entry {
  server: Server | undefined;
  retry: TimerHandle | undefined;
  closed: boolean;
}

export class ListenerSet {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly onConnection: (sock: Socket) => void, private readonly clock: Clock, private readonly log: Logger) {}

  /** Addresses listened on now. */
  addresses(): string[] {
    return [...this.entries].filter(([, e]) => e.server !== undefined).map(([h]) => h).sort();
  }

  /** Listen on host:port; resolves with the bound port. Any failure rejects with SKEIN_ERR_CONFIG naming `what`. */
  async listen(host: string, port: number, what: string): Promise<number> {
    const server = await this.bind(host, port).catch((err: NodeJS.ErrnoException) => {
      throw new SkeinError(ErrorCodes.CONFIG, `${what}: cannot listen on [${host}]:${port}: ${err.code ?? err.message}`);
    });
    this.entries.set(host, { server, retry: undefined, closed: false });
    const addr = server.address();
    return typeof addr === 'object' && addr !== null ? addr.port : port;
  }

  /** Listen on host:port from now on, retrying while the address is not usable yet. Idempotent. */
  keep(host: string, port: number): void {
    if (this.entries.has(host)) return;
    const entry: Entry = { server: undefined, retry: undefined, closed: false };
    this.entries.set(host, entry);
    const attempt = (): void => {
      entry.retry = undefined;
      this.bind(host, port).then(
        (server) => {
          if (entry.closed) server.close();
          else {
            entry.server = server;
            this.log.info({ address: host, port }, 'listening for links');
          }
        },
        (err: NodeJS.ErrnoException) => {
          if (entry.closed) return;
          const retryable = RETRYABLE.has(err.code ?? '');
          this.log[retryable ? 'debug' : 'warn']({ address: host, port, code: err.code }, retryable ? 'link listener: address not usable yet, retrying' : 'link listener: cannot listen, retrying');
          entry.retry = this.clock.setTimeout(attempt, LISTEN_RETRY_MS);
        },
      );
    };
    attempt();
  }

  /** Stop listening on host (established links are not touched). */
  drop(host: string): void {
    const e = this.entries.get(host);
    if (e === undefined) return;
    this.entries.delete(host);
    e.closed = true;
    e.retry?.cancel();
    e.server?.close();
  }

  async closeAll(): Promise<void> {
    const servers = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(servers.map((e) => {
      e.closed = true;
      e.retry?.cancel();
      const s = e.server;
      return s === undefined ? Promise.resolve() : new Promise<void>((resolve) => s.close(() => resolve()));
    }));
  }

  private bind(host: string, port: number): Promise<Server> {
    const server = createServer((sock) => this.onConnection(sock));
    return new Promise<Server>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port, ipv6Only: false }, () => {
        server.off('error', reject);
        server.on('error', (err) => this.log.error({ address: host, err: err.message }, 'link listener error'));
        resolve(server);
      });
    });
  }
}
