/**
 * The admin API client used by the CLI: one request, one response; or a
 * stream of events until the caller stops it.
 */
import { createConnection, type Socket } from 'node:net';
import { ErrorCodes, SkeinError } from '../util/errors.js';
import { ADMIN_API_VERSION, LineSplitter, type AdminResponse, type AdminResults } from './protocol.js';

export const DEFAULT_ADMIN_TIMEOUT_MS = 10_000;

/** An error returned by the daemon, carrying the daemon's stable code. */
export class AdminCallError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'AdminCallError';
  }
}

function connect(socketPath: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const sock = createConnection(socketPath);
    sock.once('connect', () => { sock.off('error', reject); resolve(sock); });
    sock.once('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'ENOENT' || err.code === 'ECONNREFUSED' ? 'no skein daemon is running there' : err.code === 'EACCES' ? 'permission denied (the socket is owner-only: run as the daemon\'s user)' : err.message;
      reject(new SkeinError(ErrorCodes.CONFIG, `admin socket ${socketPath}: ${why}`));
    });
  });
}

export async function adminCall(socketPath: string, method: string, params: Record<string, unknown> = {}, timeoutMs = DEFAULT_ADMIN_TIMEOUT_MS): Promise<unknown> {
  const sock = await connect(socketPath);
  sock.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    const splitter = new LineSplitter();
    const timer = setTimeout(() => { sock.destroy(); reject(new SkeinError(ErrorCodes.CONFIG, `admin socket ${socketPath}: no answer to '${method}' within ${timeoutMs} ms`)); }, timeoutMs);
    const finish = (fn: () => void) => { clearTimeout(timer); sock.destroy(); fn(); };
    sock.on('data', (chunk: string) => {
      for (const line of splitter.push(chunk)) {
        const msg = JSON.parse(line) as AdminResponse;
        if (msg.id !== 1 || 'event' in msg) continue;
        if (msg.ok) finish(() => resolve(msg.result));
        else finish(() => reject(new AdminCallError(msg.error.code, msg.error.message)));
      }
    });
    sock.on('close', () => finish(() => reject(new SkeinError(ErrorCodes.CONFIG, `admin socket ${socketPath}: daemon closed the connection`))));
    sock.write(`${JSON.stringify({ v: ADMIN_API_VERSION, id: 1, method, params })}\n`);
  });
}

/**
 * Call a method of the admin contract; the answer has the type
 * control/protocol.ts's AdminResults gives it (the daemon's handlers are
 * typed against the same interfaces).
 */
export async function adminQuery<M extends keyof AdminResults>(socketPath: string, method: M, params: Record<string, unknown> = {}, timeoutMs = DEFAULT_ADMIN_TIMEOUT_MS): Promise<AdminResults[M]> {
  return (await adminCall(socketPath, method, params, timeoutMs)) as AdminResults[M];
}

/** Subscribe to a streaming method; resolves when the stream ends (daemon gone or `stop()` called). */
export async function adminStream(socketPath: string, method: string, params: Record<string, unknown>, onEvent: (event: unknown) => void): Promise<{ stop: () => void; done: Promise<void> }> {
  const sock = await connect(socketPath);
  sock.setEncoding('utf8');
  const splitter = new LineSplitter();
  const done = new Promise<void>((resolve, reject) => {
    sock.on('data', (chunk: string) => {
      for (const line of splitter.push(chunk)) {
        const msg = JSON.parse(line) as AdminResponse;
        if ('event' in msg) onEvent(msg.event);
        else if (!msg.ok) { sock.destroy(); reject(new AdminCallError(msg.error.code, msg.error.message)); }
      }
    });
    sock.on('close', () => resolve());
  });
  sock.write(`${JSON.stringify({ v: ADMIN_API_VERSION, id: 1, method, params })}\n`);
  return { stop: () => sock.destroy(), done };
}
