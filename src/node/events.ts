/**
 * The node's event stream (link up/down, security events, later member and
 * route changes): published by the parts, consumed by `skein events` through
 * the admin API. Subscribers are bounded; a slow subscriber only loses its
 * own events (the admin socket buffers them), never blocks the node.
 */
import type { NodeEvent, StampedEvent } from '../control/protocol.js';

export const MAX_EVENT_SUBSCRIBERS = 16;

export class EventHub {
  private readonly subscribers = new Set<(e: StampedEvent) => void>();

  publish(event: NodeEvent): void {
    const stamped = { time: new Date().toISOString(), ...event };
    for (const s of this.subscribers) s(stamped);
  }

  /** Returns the unsubscribe function; throws when too many are subscribed. */
  subscribe(fn: (e: StampedEvent) => void): () => void {
    if (this.subscribers.size >= MAX_EVENT_SUBSCRIBERS) throw new Error(`too many event subscribers (max ${MAX_EVENT_SUBSCRIBERS})`);
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }
}
