/**
 * The node's event stream as Server-Sent Events (`GET /api/events` on the
 * topology page): one EventHub subscription per open page, each event one
 * `data:` line of JSON. Bounded: a few streams at once (the hub's slots are
 * shared with `skein events`), and a client that stops reading is dropped
 * once its unsent backlog passes a limit rather than buffering without end.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NodeView } from './node-view.js';
import type { StampedEvent } from './protocol.js';
import { sendText } from './http-server.js';

/** Open event streams at once (the event hub has 16 slots in all). */
export const MAX_EVENT_STREAMS = 4;
/** A stream whose unsent backlog passes this is closed (the page reconnects and refreshes). */
export const MAX_STREAM_BACKLOG_BYTES = 256 * 1024;
/** A comment line this often keeps idle connections (and proxies) from timing out. */
export const STREAM_HEARTBEAT_MS = 15_000;
/** How long the browser waits before reconnecting a dropped stream. */
export const STREAM_RETRY_MS = 2_000;

export class EventStreams {
  private readonly open = new Set<ServerResponse>();

  constructor(private readonly view: NodeView) {}

  get count(): number {
    return this.open.size;
  }

  serve(req: IncomingMessage, res: ServerResponse): void {
    if (this.open.size >= MAX_EVENT_STREAMS) return sendText(res, 503, `503: at most ${MAX_EVENT_STREAMS} open event streams`);
    let unsubscribe: () => void;
    try {
      unsubscribe = this.view.subscribe((e) => this.send(res, e));
    } catch (err) {
      return sendText(res, 503, `503: ${(err as Error).message}`);
    }
    this.open.add(res);
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', Connection: 'keep-alive' });
    res.write(`retry: ${STREAM_RETRY_MS}\n\n`);
    const heartbeat = setInterval(() => res.write(': keepalive\n\n'), STREAM_HEARTBEAT_MS);
    heartbeat.unref();
    const end = () => {
      clearInterval(heartbeat);
      unsubscribe();
      this.open.delete(res);
    };
    req.once('close', end);
    res.once('close', end);
  }

  private send(res: ServerResponse, e: StampedEvent): void {
    if (res.writableLength > MAX_STREAM_BACKLOG_BYTES) {
      res.destroy();
      return;
    }
    res.write(`data: ${JSON.stringify(e)}\n\n`);
  }
}
