/**
 * Which incoming TCP connections the listener takes on (pure; monotonic ms
 * passed in). TCP's own handshake has proven the source address can receive
 * (that is why there is no WireGuard-style cookie: a cookie proves exactly
 * that), so limits keyed by it hold.
 *
 * At accept, cheapest first:
 *   per-source accept rate ─ per-source pending limit
 *   ─ known source (we held a link with that address lately)? admitted on
 *     its own pool, never refused for lack of strangers' slots
 *   ─ strangers' pool full? make room by closing the stranger that has
 *     waited longest without a valid initiation (idle sockets go first);
 *     failing that, the longest-waiting one past INITIATED_EVICTABLE_AFTER_MS
 *   ─ none evictable: refused (busy)
 * Later, per connection: an unkeyed initiation (no mac1) is answered for a
 * known source, or for a stranger within the shared unkeyed budget.
 *
 * Memory: one rate bucket per source address (AgingMap, bounded and aged
 * out) and one entry per pending connection (bounded by the pools).
 */
import { AgingMap } from '../util/aging-map.js';
import { TokenBucket, type RateLimit } from '../util/token-bucket.js';

/** Default pending handshakes from one source address. */
export const DEFAULT_MAX_PENDING_PER_SOURCE = 4;
/** Default accepted connections per second from one source address (burst twice that). */
export const DEFAULT_ACCEPTS_PER_SOURCE_PER_SECOND = 4;
/** Default unkeyed initiations answered per second from strangers (burst twice that); 0 = never. */
export const DEFAULT_UNKEYED_PER_SECOND = 2;
/** Source addresses with an accept-rate bucket, and how long an idle one is remembered. */
export const MAX_ACCEPT_SOURCES = 1024;
export const ACCEPT_SOURCE_MEMORY_MS = 60_000;
/**
 * A stranger that has passed the mac1 check may be closed to make room only
 * after this long: an honest handshake needs a few round trips, so it is
 * done by then, while a prober that knows our key and then idles is not.
 */
export const INITIATED_EVICTABLE_AFTER_MS = 1_000;

export interface AcceptGateConfig {
  /** Pending handshakes from strangers together (`links.max_pending_handshakes`); known sources get as many again. */
  maxPending: number;
  maxPendingPerSource: number;
  acceptsPerSource: RateLimit;
  /** perSecond 0: unkeyed initiations from strangers are never answered. */
  unkeyed: RateLimit;
}

export function acceptGateConfig(maxPending: number, maxPendingPerSource: number, acceptsPerSourcePerSecond: number, unkeyedPerSecond: number): AcceptGateConfig {
  return {
    maxPending,
    maxPendingPerSource,
    acceptsPerSource: { perSecond: acceptsPerSourcePerSecond, burst: Math.max(1, 2 * acceptsPerSourcePerSecond) },
    unkeyed: { perSecond: unkeyedPerSecond, burst: Math.max(1, 2 * unkeyedPerSecond) },
  };
}

export type RefuseReason = 'source-rate' | 'source-pending' | 'busy';

/** One admitted connection, until `release`. */
export interface AcceptTicket<T> {
  readonly source: string;
  readonly known: boolean;
  readonly admittedAt: number;
  /** The connection's state, set by the caller once it exists. */
  value: T | undefined;
  released: boolean;
}

export type AdmitResult<T> =
  | { admitted: true; ticket: AcceptTicket<T>; evicted: AcceptTicket<T> | undefined }
  | { admitted: false; reason: RefuseReason };

export interface AcceptGateCounters {
  inboundRefusedSourceRate: number;
  inboundRefusedSourcePending: number;
  inboundEvicted: number;
  unkeyedAdmitted: number;
  unkeyedRefused: number;
}

export class AcceptGate<T> {
  readonly counters: AcceptGateCounters = { inboundRefusedSourceRate: 0, inboundRefusedSourcePending: 0, inboundEvicted: 0, unkeyedAdmitted: 0, unkeyedRefused: 0 };
  private readonly rates = new AgingMap<string, TokenBucket>(MAX_ACCEPT_SOURCES, ACCEPT_SOURCE_MEMORY_MS);
  /** Pending per source; an entry exists only while its count is > 0. */
  private readonly perSource = new Map<string, number>();
  /** In admission order: the first is the one waiting longest. */
  private readonly strangers = new Set<AcceptTicket<T>>();
  private knownPending = 0;
  private readonly unkeyed: TokenBucket;

  /** `initiated(value)`: has this connection passed the initiation check? */
  constructor(private readonly config: AcceptGateConfig, private readonly initiated: (value: T) => boolean, nowMs: number) {
    this.unkeyed = new TokenBucket(config.unkeyed, nowMs);
  }

  get pending(): number {
    return this.strangers.size + this.knownPending;
  }

  get trackedSources(): number {
    return this.rates.size;
  }

  admit(source: string, known: boolean, nowMs: number): AdmitResult<T> {
    if (!this.rateFor(source, nowMs).take(nowMs)) {
      this.counters.inboundRefusedSourceRate++;
      return { admitted: false, reason: 'source-rate' };
    }
    if ((this.perSource.get(source) ?? 0) >= this.config.maxPendingPerSource) {
      this.counters.inboundRefusedSourcePending++;
      return { admitted: false, reason: 'source-pending' };
    }
    let evicted: AcceptTicket<T> | undefined;
    if (known) {
      if (this.knownPending >= this.config.maxPending) return { admitted: false, reason: 'busy' };
      this.knownPending++;
    } else if (this.strangers.size >= this.config.maxPending) {
      evicted = this.evictable(nowMs);
      if (evicted === undefined) return { admitted: false, reason: 'busy' };
      this.release(evicted);
      this.counters.inboundEvicted++;
    }
    const ticket: AcceptTicket<T> = { source, known, admittedAt: nowMs, value: undefined, released: false };
    if (!known) this.strangers.add(ticket);
    this.perSource.set(source, (this.perSource.get(source) ?? 0) + 1);
    return { admitted: true, ticket, evicted };
  }

  /** The connection's handshake ended (link up, failed, or evicted). Idempotent. */
  release(ticket: AcceptTicket<T>): void {
    if (ticket.released) return;
    ticket.released = true;
    if (ticket.known) this.knownPending--;
    else this.strangers.delete(ticket);
    const n = (this.perSource.get(ticket.source) ?? 1) - 1;
    if (n <= 0) this.perSource.delete(ticket.source);
    else this.perSource.set(ticket.source, n);
  }

  /** Answer an unkeyed initiation on this connection? */
  admitUnkeyed(ticket: AcceptTicket<T>, nowMs: number): boolean {
    const ok = ticket.known || (this.config.unkeyed.perSecond > 0 && this.unkeyed.take(nowMs));
    if (ok) this.counters.unkeyedAdmitted++;
    else this.counters.unkeyedRefused++;
    return ok;
  }

  private evictable(nowMs: number): AcceptTicket<T> | undefined {
    let oldestInitiated: AcceptTicket<T> | undefined;
    for (const t of this.strangers) {
      if (t.value === undefined || !this.initiated(t.value)) return t;
      if (oldestInitiated === undefined && nowMs - t.admittedAt >= INITIATED_EVICTABLE_AFTER_MS) oldestInitiated = t;
    }
    return oldestInitiated;
  }

  private rateFor(source: string, nowMs: number): TokenBucket {
    let b = this.rates.get(source, nowMs);
    if (b === undefined) {
      b = new TokenBucket(this.config.acceptsPerSource, nowMs);
    }
    // Rewritten on every accept, so a busy source's bucket never ages out under it.
    this.rates.set(source, b, nowMs);
    return b;
  }
}
