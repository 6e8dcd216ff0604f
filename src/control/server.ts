/**
 * The admin API server: a Unix socket readable and writable by the owner
 * only (created under umask 0177, then checked), one JSON line per request.
 * Each module registers its own methods; streaming methods push events until
 * the client disconnects.
 */
import { createServer, createConnection, type Server, type Socket } from 'node:net';
import { chmodSync, unlinkSync, statSync } from 'node:fs';
import { ErrorCodes, SkeinError, isSkeinError } from '../util/errors.js';
import type { Logger } from '../util/log.js';
import {
  ADMIN_API_VERSION,
  AdminProtocolError,
  LineSplitter,
  MAX_ADMIN_CONNECTIONS,
  parseRequest,
  type AdminRequest,
  type AdminResponse,
} from './protocol.js';

export type AdminHandler = (params: Record<string, unknown>) => unknown | Promise<unknown>;
/** A streaming handler calls `emit` for each event and returns an unsubscribe function. */
export type AdminStreamHandler = (params: Record<string, unknown>, emit: (event: unknown) => void) => () => void;

export class AdminServer {
  readonly name = 'admin-api';
  private readonly handlers = new Map<string, AdminHandler>();
  private readonly streams = new Map<string, AdminStreamHandler>();
  private readonly clients = new Set<Socket>();
  private server: Server | undefined;

  constructor(private readonly socketPath: string, private readonly log: Logger) {
    this.register('methods', () => ({ version: ADMIN_API_VERSION, methods: [...this.handlers.keys()], streams: [...this.streams.keys()] }));
  }

  register(method: string, handler: AdminHandler): void {
    this.handlers.set(method, handler);
  }

  registerStream(method: string, handler: AdminStreamHandler): void {
    this.streams.set(method, handler);
  }

  async start(): Promise<void> {
    await removeStaleSocket(this.socketPath);
    const server = createServer((sock) => this.onConnection(sock));
    server.maxConnections = MAX_ADMIN_CONNECTIONS;
    const oldMask = process.umask(0o177);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.socketPath, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      throw new SkeinError(ErrorCodes.CONFIG, `admin socket ${this.socketPath}: cannot listen: ${(err as Error).message}`);
    } finally {
      process.umask(oldMask);
    }
    chmodSync(this.socketPath, 0o600);
    server.on('error', (err) => this.log.error({ err: err.message }, 'admin socket error'));
    this.server = server;
  }

  async stop(): Promise<void> {
    for (const c of this.clients) c.destroy();
    this.clients.clear();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    try { unlinkSync(this.socketPath); } catch { /* already gone */ }
  }

  private onConnection(sock: Socket): void {
    this.clients.add(sock);
    sock.setEncoding('utf8');
    const splitter = new LineSplitter();
    const unsubscribers: Array<() => void> = [];
    const send = (msg: AdminResponse) => {
      if (!sock.destroyed) sock.write(`${JSON.stringify(msg)}\n`);
    };
    sock.on('data', (chunk: string) => {
      let lines: string[];
      try {
        lines = splitter.push(chunk);
      } catch (err) {
        send({ v: ADMIN_API_VERSION, id: 0, ok: false, error: { code: 'SKEIN_ERR_ADMIN_PROTOCOL', message: (err as Error).message } });
        sock.end();
        return;
      }
      for (const line of lines) void this.handleLine(line, send, unsubscribers);
    });
    const cleanup = () => {
      this.clients.delete(sock);
      for (const u of unsubscribers.splice(0)) u();
    };
    sock.on('close', cleanup);
    sock.on('error', () => sock.destroy());
  }

  private async handleLine(line: string, send: (m: AdminResponse) => void, unsubscribers: Array<() => void>): Promise<void> {
    let req: AdminRequest;
    try {
      req = parseRequest(line);
    } catch (err) {
      send({ v: ADMIN_API_VERSION, id: 0, ok: false, error: { code: 'SKEIN_ERR_ADMIN_PROTOCOL', message: (err as AdminProtocolError).message } });
      return;
    }
    const fail = (code: string, message: string) => send({ v: ADMIN_API_VERSION, id: req.id, ok: false, error: { code, message } });
    if (req.v !== ADMIN_API_VERSION) {
      fail('SKEIN_ERR_API_VERSION', `admin API version ${req.v} is not supported (daemon speaks ${ADMIN_API_VERSION})`);
      return;
    }
    const stream = this.streams.get(req.method);
    if (stream) {
      send({ v: ADMIN_API_VERSION, id: req.id, ok: true, result: { streaming: true } });
      unsubscribers.push(stream(req.params, (event) => send({ v: ADMIN_API_VERSION, id: req.id, event })));
      return;
    }
    const handler = this.handlers.get(req.method);
    if (!handler) {
      fail('SKEIN_ERR_UNKNOWN_METHOD', `unknown method '${req.method}'`);
      return;
    }
    try {
      const result = await handler(req.params);
      send({ v: ADMIN_API_VERSION, id: req.id, ok: true, result: result ?? null });
    } catch (err) {
      if (isSkeinError(err)) fail(err.code, err.message);
      else {
        this.log.error({ method: req.method, err: (err as Error).message }, 'admin handler failed');
        fail('SKEIN_ERR_INTERNAL', (err as Error).message);
      }
    }
  }
}

/** A socket file left by a crashed daemon is removed; a live daemon on it is an error. */
async function removeStaleSocket(path: string): Promise<void> {
  try {
    statSync(path);
  } catch {
    return;
  }
  const alive = await new Promise<boolean>((resolve) => {
    const c = createConnection(path);
    c.once('connect', () => { c.destroy(); resolve(true); });
    c.once('error', () => resolve(false));
  });
  if (alive) throw new SkeinError(ErrorCodes.CONFIG, `admin socket ${path}: another skein daemon is already running there`);
  unlinkSync(path);
}
