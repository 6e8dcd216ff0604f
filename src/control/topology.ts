/**
 * The live topology page, served by the daemon (opt-in, `[web]`):
 *
 *   GET /?token=T            the page (sets a same-site, HttpOnly cookie with the token,
 *                            and the page removes the token from the address bar)
 *   GET /app.js /style.css   the page's script and style (src/control/web/)
 *   GET /lib/cytoscape.min.js  the graph-drawing library, from node_modules (no CDN)
 *   GET /api/graph           the mesh graph as JSON (topology-graph.ts)
 *   GET /api/events          the node's event stream (Server-Sent Events)
 *
 * Every request must carry the token (cookie, `?token=`, or `Authorization:
 * Bearer`), else 401. The token is random per start, printed in the log and
 * returned by the admin API (`web` → {url}); the page itself holds no secret.
 * Files are read once at start.
 */
import { timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCodes, SkeinError } from '../util/errors.js';
import type { Logger } from '../util/log.js';
import type { Random } from '../util/random.js';
import type { NodeView } from './node-view.js';
import { EventStreams } from './event-stream.js';
import { HttpService, sendText } from './http-server.js';
import { buildTopologyGraph } from './topology-graph.js';

/** Random bytes in a page token (base64url: 43 characters). */
export const WEB_TOKEN_BYTES = 32;
const COOKIE_PREFIX = 'skein_web_';
const CYTOSCAPE_FILE = 'cytoscape/dist/cytoscape.min.js';

/** Headers that keep the page self-contained: scripts only from the daemon, no framing, no referrer (the URL may hold the token). */
const PAGE_HEADERS = {
  'Content-Security-Policy': "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

interface Asset { type: string; body: Buffer }

/** The page's own files: beside this module when run from sources, else in the package's src/control/web. */
function webDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const beside = join(here, 'web');
  try {
    readFileSync(join(beside, 'index.html'));
    return beside;
  } catch {
    return resolve(here, '..', '..', 'src', 'control', 'web');
  }
}

function loadAssets(): Map<string, Asset> {
  const dir = webDir();
  const read = (path: string) => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new SkeinError(ErrorCodes.CONFIG, `web: cannot read the page file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  };
  const js = 'text/javascript; charset=utf-8';
  return new Map<string, Asset>([
    ['/', { type: 'text/html; charset=utf-8', body: read(join(dir, 'index.html')) }],
    ['/app.js', { type: js, body: read(join(dir, 'app.js')) }],
    ['/style.css', { type: 'text/css; charset=utf-8', body: read(join(dir, 'style.css')) }],
    ['/lib/cytoscape.min.js', { type: js, body: read(createRequire(import.meta.url).resolve(CYTOSCAPE_FILE)) }],
  ]);
}

/** Which credential a request carries, if any. */
export function requestToken(req: IncomingMessage, url: URL, cookieName: string): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice('Bearer '.length).trim();
  const fromQuery = url.searchParams.get('token');
  if (fromQuery !== null) return fromQuery;
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === cookieName) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function tokensEqual(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface WebServiceOptions {
  listen: string;
  allowRemote: boolean;
  random: Random;
  log: Logger;
  /** Wall clock for record ages (default Date.now). */
  now?: () => number;
}

export class WebService {
  readonly name = 'web';
  readonly http: HttpService;
  private readonly streams: EventStreams;
  private assets = new Map<string, Asset>();
  private token = '';

  constructor(private readonly view: NodeView, private readonly opts: WebServiceOptions) {
    this.streams = new EventStreams(view);
    this.http = new HttpService({ section: 'web', listen: opts.listen, allowRemote: opts.allowRemote, log: opts.log, handler: (req, res, url) => this.handle(req, res, url) });
  }

  async start(): Promise<void> {
    this.assets = loadAssets();
    this.token = Buffer.from(this.opts.random.bytes(WEB_TOKEN_BYTES)).toString('base64url');
    await this.http.start();
    // The token is a secret: it never goes to the log. `skein web` (owner-only admin socket) prints the full URL.
    this.opts.log.info({ url: `${this.http.baseUrl()}/` }, 'topology page up: get its URL with the access token from `skein web`');
  }

  async stop(): Promise<void> {
    await this.http.stop();
    this.token = '';
  }

  /** The page's URL with its token; throws when not running. */
  url(): string {
    if (this.token === '') throw new SkeinError(ErrorCodes.CONFIG, 'web: the topology page is not running');
    return `${this.http.baseUrl()}/?token=${this.token}`;
  }

  private cookieName(): string {
    return `${COOKIE_PREFIX}${this.http.address?.port ?? 0}`;
  }

  private handle(req: IncomingMessage, res: ServerResponse, url: URL): void {
    if (this.token === '' || !tokensEqual(requestToken(req, url, this.cookieName()), this.token)) {
      return sendText(res, 401, '401: this page needs its access token: open the URL printed by `skein web`', { 'WWW-Authenticate': 'Bearer realm="skein"' });
    }
    if (url.pathname === '/api/graph') {
      const { self } = this.view;
      const now = this.opts.now?.() ?? Date.now();
      const graph = buildTopologyGraph({ self: { id: self.idText, name: self.name }, members: this.view.members(), records: this.view.routingRecords(now), selfLinks: this.view.selfLinks(), now: new Date(now) });
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' }).end(JSON.stringify(graph));
      return;
    }
    if (url.pathname === '/api/events') return this.streams.serve(req, res);
    const asset = this.assets.get(url.pathname);
    if (!asset) return sendText(res, 404, '404: not found');
    const headers: Record<string, string> = { 'Content-Type': asset.type, ...PAGE_HEADERS };
    if (url.pathname === '/') headers['Set-Cookie'] = `${this.cookieName()}=${this.token}; HttpOnly; SameSite=Strict; Path=/`;
    res.writeHead(200, headers).end(req.method === 'HEAD' ? undefined : asset.body);
  }
}
