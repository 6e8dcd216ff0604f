/**
 * The admin API server: a Unix socket, one JSON line per request. It is
 * created under umask 0177 (owner-only from the first moment), then given
 * its configured mode and group: owner-only by default; the systemd unit
 * opens it to the `skein` operator group (0660).
 * Each module registers its own methods; streaming methods push events until
 * the client disconnects. What a client sends is handled by dispatch.ts.
 */
import { createServer, createConnection, type Server, type Socket } from 'node:net';
import { chmodSync, chownSync, readFileSync, unlinkSync, statSync } from 'node:fs';
import { ErrorCodes, SkeinError } from '../util/errors.js';
import type { Logger } from '../util/log.js';
import { AdminDispatcher, type AdminHandler, type AdminStreamHandler } from './dispatch.js';
import { MAX_ADMIN_CONNECTIONS, type AdminResponse } from './protocol.js';

export type { AdminHandler, AdminStreamHandler } from './dispatch.js';

export interface AdminSocketAccess {
  /** File mode of the socket; default 0o600. */
  mode?: number;
  /** Group the socket is given (a name from /etc/group, or a number); default: the daemon's own group. */
  group?: string | number;
}

export class AdminServer {
  readonly name = 'admin-api';
  private readonly dispatcher: AdminDispatcher;
  private readonly clients = new Set<Socket>();
  private server: Server | undefined;

  constructor(private readonly socketPath: string, private readonly log: Logger, private readonly access: AdminSocketAccess = {}) {
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
    try {
      if (this.access.group !== undefined) chownSync(this.socketPath, -1, groupId(this.access.group));
      chmodSync(this.socketPath, this.access.mode ?? 0o600);
    } catch (err) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      throw err instanceof SkeinError ? err : new SkeinError(ErrorCodes.CONFIG, `admin socket ${this.socketPath}: cannot set its group or mode: ${(err as Error).message}`);
    }
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

/** A group number, or the number /etc/group gives a group name (Node has no getgrnam). */
export function groupId(group: string | number, groupFile = '/etc/group'): number {
  if (typeof group === 'number') return group;
  let text: string;
  try {
    text = readFileSync(groupFile, 'utf8');
  } catch (err) {
    throw new SkeinError(ErrorCodes.CONFIG, `admin.socket_group: cannot read ${groupFile} to find group '${group}': ${(err as Error).message}`);
  }
  for (const line of text.split('\n')) {
    const [name, , gid] = line.split(':');
    if (name === group && gid !== undefined && /^\d+$/.test(gid)) return Number(gid);
  }
  throw new SkeinError(ErrorCodes.CONFIG, `admin.socket_group: no group '${group}' in ${groupFile}`);
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
