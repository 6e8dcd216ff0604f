/**
 * A small HTTP endpoint of the daemon (metrics, the topology page): one
 * listening socket with bounded connections and timeouts, GET/HEAD only,
 * a loopback address unless the operator allowed otherwise, and a handler
 * that never takes the daemon down (a failing request answers 500).
 *
 * It runs as a lifecycle service: started after the node's parts, stopped
 * before them; stop() also ends long-lived responses (event streams).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { ErrorCodes, SkeinError } from '../util/errors.js';
import type { Logger } from '../util/log.js';
import { isLoopbackHost, parseListenAddress, remoteRefusal, urlHost, type ListenAddress } from './listen-address.js';

/** Concurrent connections per endpoint (a browser opens ~6, a scraper 1). */
export const MAX_HTTP_CONNECTIONS = 64;
/** A client must send its request headers within this time. */
export const HTTP_HEADERS_TIMEOUT_MS = 10_000;
/** ...and the whole request (not the response: event streams stay open) within this. */
export const HTTP_REQUEST_TIMEOUT_MS = 30_000;

export type HttpHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;

export interface HttpServiceOptions {
  /** The config section (`metrics`, `web`): names the service and the keys in errors. */
  section: string;
  /** `host:port` from the config. */
  listen: string;
  allowRemote: boolean;
  handler: HttpHandler;
  log: Logger;
}

export class HttpService {
  readonly name: string;
  private server: Server | undefined;
  private bound: ListenAddress | undefined;

  constructor(private readonly opts: HttpServiceOptions) {
    this.name = `http-${opts.section}`;
  }

  /** The bound address (the real port when the config said 0); undefined before start. */
  get address(): ListenAddress | undefined {
    return this.bound;
  }

  /** `http://host:port` of the bound socket, ready to append a path. */
  baseUrl(): string {
    if (!this.bound) throw new SkeinError(ErrorCodes.CONFIG, `${this.opts.section}: not listening`);
    return `http://${urlHost(this.bound.host)}:${this.bound.port}`;
  }

  async start(): Promise<void> {
    const where = checkedListen(this.opts.section, this.opts.listen, this.opts.allowRemote);
    const server = createServer((req, res) => this.serve(req, res));
    server.maxConnections = MAX_HTTP_CONNECTIONS;
    server.headersTimeout = HTTP_HEADERS_TIMEOUT_MS;
    server.requestTimeout = HTTP_REQUEST_TIMEOUT_MS;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(new SkeinError(ErrorCodes.CONFIG, `${this.opts.section}.listen: cannot listen on ${this.opts.listen}: ${err.code ?? err.message}`)));
      server.listen({ host: where.host, port: where.port }, () => resolve());
    });
    server.on('error', (err) => this.opts.log.error({ err: err.message, section: this.opts.section }, 'http endpoint error'));
    const addr = server.address();
    this.bound = { host: where.host, port: typeof addr === 'object' && addr !== null ? addr.port : where.port };
    this.server = server;
    if (!isLoopbackHost(where.host)) {
      this.opts.log.warn({ section: this.opts.section, listen: this.opts.listen }, 'http endpoint reachable beyond this machine (allow_remote = true): plain HTTP, no encryption');
    }
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  private serve(req: IncomingMessage, res: ServerResponse): void {
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' }).end('405: only GET and HEAD\n');
      return;
    }
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://skein.invalid');
    } catch {
      res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' }).end('400: bad request target\n');
      return;
    }
    Promise.resolve()
      .then(() => this.opts.handler(req, res, url))
      .catch((err: Error) => {
        this.opts.log.error({ section: this.opts.section, path: url.pathname, err: err.message }, 'http request failed');
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('500: internal error (see the daemon log)\n');
      });
  }
}

/** Parse the configured address and refuse a non-loopback one unless allowed. Errors name the key. */
export function checkedListen(section: string, listen: string, allowRemote: boolean): ListenAddress {
  const parsed = parseListenAddress(listen);
  if (typeof parsed === 'string') throw new SkeinError(ErrorCodes.CONFIG, `${section}.listen: ${parsed}`);
  if (!allowRemote && !isLoopbackHost(parsed.host)) throw new SkeinError(ErrorCodes.CONFIG, `${section}.listen: ${remoteRefusal(section, parsed.host)}`);
  return parsed;
}

/** Answer with a short plain-text status (errors, 404s). */
export function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...headers }).end(`${text}\n`);
}
