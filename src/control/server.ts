/**
 * The admin API server: a Unix socket readable and writable by the owner
 * only (created under umask 0177, then checked), one JSON line per request.
 * Each module registers its own methods; streaming methods push events until
 * the client disconnects. What a client sends is handled by dispatch.ts.
 */
import { createServer, createConnection, type Server, type Socket } from 'node:net';
import { chmodSync, unlinkSync, statSync } from 'node:fs';
import { ErrorCodes, SkeinError } from '../util/errors.js';
import type { Logger } from '../util/log.js';
import { AdminDispatcher, type AdminHandler, type AdminStreamHandler } from './dispatch.js';
import { MAX_ADMIN_CONNECTIONS, type AdminResponse } from './protocol.js';

export type { AdminHandler, AdminStreamHandler } from './dispatch.js';

/** What a module needs to offer its own admin methods (each registers its own, next to what it serves). */
export type AdminRegistry = Pick<AdminServer, 'register' | 'registerStream'>;

export class AdminServer {
  readonly name = 'admin-api';
  private readonly dispatcher: AdminDispatcher;
  private readonly clients = new Set<Socket>();
  private server: Server | undefined;

  constructor(private readonly socketPath: string, private readonly log: Logger) {
    this.dispatcher = new AdminDispatcher(log);
  }

  register(method: string, handler: AdminHandler): void {
    this.dispatcher.register(method, handler);
  }

  registerStream(method: string, handler: AdminStreamHandler): void {
    this.dispatcher.registerStream(method, handler);
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
    const conn = this.dispatcher.connection((msg: AdminResponse) => {
      if (!sock.destroyed) sock.write(`${JSON.stringify(msg)}\n`);
    });
    sock.on('data', (chunk: string) => {
      if (!conn.push(chunk)) sock.end();
    });
    sock.on('close', () => {
      this.clients.delete(sock);
      conn.close();
    });
    sock.on('error', () => sock.destroy());
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
