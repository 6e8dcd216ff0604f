/**
 * The link listener's sockets: one listener of the link transport
 * (transport.ts; TCP in a real node) per address, all on one port (an I/O
 * edge; the decisions are in the link manager).
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
import type { Duplex } from 'node:stream';
import type { Clock, TimerHandle } from '../util/clock.js';
import { ErrorCodes, SkeinError } from '../util/errors.js';
import type { Logger } from '../util/log.js';
import type { LinkListener, LinkTransport, RemoteEndpoint } from './transport.js';

export { isWildcardAddress } from './transport.js';

export const LISTEN_RETRY_MS = 500;
/** Errors of a bind that may work later: the address is not (yet) usable. */
const RETRYABLE = new Set(['EADDRNOTAVAIL', 'EINVAL', 'ENODEV']);

interface Entry {
  server: LinkListener | undefined;
  retry: TimerHandle | undefined;
  closed: boolean;
}

export class ListenerSet {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly transport: LinkTransport,
    private readonly onConnection: (stream: Duplex, remote: RemoteEndpoint) => void,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

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
    return server.port;
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
          if (entry.closed) void server.close();
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
    void e.server?.close();
  }

  async closeAll(): Promise<void> {
    const servers = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(servers.map((e) => {
      e.closed = true;
      e.retry?.cancel();
      return e.server?.close() ?? Promise.resolve();
    }));
  }

  private bind(host: string, port: number): Promise<LinkListener> {
    return this.transport.listen({
      address: host,
      port,
      onConnection: this.onConnection,
      onError: (err) => this.log.error({ address: host, err: err.message }, 'link listener error'),
    });
  }
}
