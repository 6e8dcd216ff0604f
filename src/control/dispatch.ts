/**
 * The admin API's request handling without the socket: one connection's
 * byte stream is split into lines (bounded), each line parsed and
 * dispatched to the method's handler, and every outcome answered with one
 * response line. The server (server.ts) owns sockets and permissions; this
 * is the part a client's bytes reach, so it runs in memory as well.
 */
import { isSkeinError } from '../util/errors.js';
import type { Logger } from '../util/log.js';
import {
  ADMIN_API_VERSION,
  type AdminProtocolError,
  type AdminRequest,
  type AdminResponse,
  LineSplitter,
  parseRequest,
} from './protocol.js';

export type AdminHandler = (params: Record<string, unknown>) => unknown | Promise<unknown>;
/** A streaming handler calls `emit` for each event and returns an unsubscribe function. */
export type AdminStreamHandler = (params: Record<string, unknown>, emit: (event: unknown) => void) => () => void;

/** One client connection as the dispatcher sees it. */
export interface AdminConnection {
  /** Feed received text; returns false when the connection must end (after the error was sent). */
  push(chunk: string): boolean;
  /** The connection ended: stop its streams. */
  close(): void;
  /** Resolves when every request received so far has been answered. */
  idle(): Promise<void>;
}

export class AdminDispatcher {
  private readonly handlers = new Map<string, AdminHandler>();
  private readonly streams = new Map<string, AdminStreamHandler>();

  constructor(private readonly log: Logger) {
    this.register('methods', () => ({ version: ADMIN_API_VERSION, methods: [...this.handlers.keys()], streams: [...this.streams.keys()] }));
  }

  register(method: string, handler: AdminHandler): void {
    this.handlers.set(method, handler);
  }

  registerStream(method: string, handler: AdminStreamHandler): void {
    this.streams.set(method, handler);
  }

  connection(send: (m: AdminResponse) => void, maxLine?: number): AdminConnection {
    const splitter = new LineSplitter(maxLine);
    const unsubscribers: Array<() => void> = [];
    let inFlight: Promise<void>[] = [];
    return {
      push: (chunk) => {
        let lines: string[];
        try {
          lines = splitter.push(chunk);
        } catch (err) {
          send({ v: ADMIN_API_VERSION, id: 0, ok: false, error: { code: 'SKEIN_ERR_ADMIN_PROTOCOL', message: (err as AdminProtocolError).message } });
          return false;
        }
        for (const line of lines) inFlight.push(this.handleLine(line, send, unsubscribers));
        return true;
      },
      close: () => {
        for (const u of unsubscribers.splice(0)) u();
      },
      idle: async () => {
        const pending = inFlight;
        inFlight = [];
        await Promise.all(pending);
      },
    };
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
