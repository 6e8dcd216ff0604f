/**
 * The forwarding decision for one mesh packet, pure: header in, decision out.
 * The daemon's pipeline around it:
 *
 *   link message (channel MESH_PACKET_CHANNEL) -> decide(packet, fromLink)
 *     deliver -> by type: DATA/HANDSHAKE_* to the SessionManager,
 *                UNREACHABLE to verifyUnreachable (forward-unreachable.ts)
 *     forward -> link `nextHop` (hop limit already decremented in place)
 *     drop    -> count; if `unreachable` is set, send its bytes on its link
 *   local send (SessionManager output) -> originate(destination, type[, replyLink]) -> link or drop
 *
 * Checks, in order (the first that fails decides):
 *   malformed            header invalid                       drop, no unreachable (nothing trustworthy to answer)
 *   deliver              destination is us
 *   own-source           source is us: our own packet came back (a loop) or a forgery; drop silently
 *   hop-limit-exceeded   hop limit <= 1, cannot go another hop  drop + unreachable
 *   no-route             the route table has no next hop        drop + unreachable
 *   loop                 next hop is the link it came in on     drop silently (routing is converging; the
 *                                                              packet would only bounce until its hop limit ran out)
 *   unreachable-rate     an UNREACHABLE over its arrival link's drop silently (a member replaying reports
 *                        or the total relay budget              cannot make every relay on the way carry them at
 *                                                              its own rate)
 *   forward
 *
 * An unreachable is never sent for an unreachable, only when the route back
 * to the source exists, and at most as the per-source and global token
 * buckets allow.
 */
import { KeyedRateLimiter } from '../util/keyed-rate-limit.js';
import type { RateLimit } from '../util/token-bucket.js';
import { DecodeError } from '../util/errors.js';
import { PacketType, type PacketTypeNumber, UnreachableReason, type UnreachableReasonNumber } from '../wire/packet-constants.js';
import { type PacketHeader, decrementHopLimit, destinationIdText, isDestination, isSource, readHeader, sourceIdText } from '../wire/packet.js';
import { type Signer, buildUnreachable } from './forward-unreachable.js';

export type ForwardDropReason = 'malformed' | 'own-source' | 'hop-limit-exceeded' | 'no-route' | 'loop' | 'unreachable-rate';

export type ForwardDecision<L> =
  | { action: 'deliver'; type: PacketTypeNumber }
  | { action: 'forward'; nextHop: L }
  | { action: 'drop'; reason: ForwardDropReason; detail?: string; unreachable?: { nextHop: L; bytes: Uint8Array } };

/** Destination id text -> the link to send on, or undefined. */
export type RouteLookup<L> = (destIdText: string) => L | undefined;

export interface UnreachableRateLimits {
  perSource: RateLimit;
  global: RateLimit;
  maxSources: number;
}

export const DEFAULT_UNREACHABLE_RATE: Readonly<UnreachableRateLimits> = Object.freeze({
  perSource: Object.freeze({ perSecond: 5, burst: 10 }),
  global: Object.freeze({ perSecond: 100, burst: 200 }),
  maxSources: 4096,
});

/** UNREACHABLE packets a relay forwards: per arrival link, and all links together. */
export interface RelayedUnreachableRate {
  perLink: RateLimit;
  global: RateLimit;
  maxLinks: number;
}

export const DEFAULT_RELAYED_UNREACHABLE_RATE: Readonly<RelayedUnreachableRate> = Object.freeze({
  perLink: Object.freeze({ perSecond: 50, burst: 100 }),
  global: Object.freeze({ perSecond: 200, burst: 400 }),
  maxLinks: 1024,
});

export interface ForwarderOptions<L> {
  localId: Uint8Array;
  routeLookup: RouteLookup<L>;
  /** Signs unreachables with this node's Ed25519 key. */
  sign: Signer;
  /** Monotonic time the forwarder is created (its budgets start full). */
  nowMs: number;
  unreachableRate?: UnreachableRateLimits;
  relayedUnreachableRate?: RelayedUnreachableRate;
}

export interface ForwardCounters {
  delivered: number;
  forwarded: number;
  originated: number;
  drops: Record<ForwardDropReason, number>;
  unreachablesSent: number;
  /** Unreachables not sent because the source's (or the global) budget was spent. */
  unreachablesRateLimited: number;
  /** Unreachables not sent because there is no route back to the source. */
  unreachablesUnroutable: number;
}

export class Forwarder<L> {
  private readonly limiter: KeyedRateLimiter;
  private readonly c: ForwardCounters = {
    delivered: 0, forwarded: 0, originated: 0, unreachablesSent: 0, unreachablesRateLimited: 0, unreachablesUnroutable: 0,
    drops: { malformed: 0, 'own-source': 0, 'hop-limit-exceeded': 0, 'no-route': 0, loop: 0, 'unreachable-rate': 0 },
  };
  private readonly relayed: KeyedRateLimiter<L>;
  private readonly localIdText: string;

  constructor(private readonly opts: ForwarderOptions<L>) {
    this.localIdText = Buffer.from(opts.localId).toString('hex');
    const rate = opts.unreachableRate ?? DEFAULT_UNREACHABLE_RATE;
    this.limiter = new KeyedRateLimiter({ perKey: rate.perSource, global: rate.global, maxKeys: rate.maxSources }, opts.nowMs);
    const relayed = opts.relayedUnreachableRate ?? DEFAULT_RELAYED_UNREACHABLE_RATE;
    this.relayed = new KeyedRateLimiter({ perKey: relayed.perLink, global: relayed.global, maxKeys: relayed.maxLinks }, opts.nowMs);
  }

  get counters(): ForwardCounters {
    return { ...this.c, drops: { ...this.c.drops } };
  }

  /** A packet that arrived on link `fromLink` at monotonic `nowMs`. May decrement its hop limit in place. */
  decide(packet: Uint8Array, fromLink: L, nowMs: number): ForwardDecision<L> {
    const header = this.parse(packet);
    if ('action' in header) return header;
    if (isDestination(packet, this.opts.localId)) {
      this.c.delivered++;
      return { action: 'deliver', type: header.type };
    }
    if (isSource(packet, this.opts.localId)) return this.drop('own-source');
    if (header.hopLimit <= 1) {
      return this.drop('hop-limit-exceeded', undefined, this.unreachable(packet, header.type, UnreachableReason.HOP_LIMIT_EXCEEDED, nowMs));
    }
    const nextHop = this.opts.routeLookup(destinationIdText(packet));
    if (nextHop === undefined) {
      return this.drop('no-route', undefined, this.unreachable(packet, header.type, UnreachableReason.NO_ROUTE, nowMs));
    }
    if (nextHop === fromLink) return this.drop('loop');
    if (header.type === PacketType.UNREACHABLE && !this.relayed.take(fromLink, nowMs)) return this.drop('unreachable-rate');
    decrementHopLimit(packet);
    this.c.forwarded++;
    return { action: 'forward', nextHop };
  }

  /**
   * A packet this node built (the session manager's output) to `destIdText`:
   * route it, hop limit untouched. The caller names the destination and the
   * packet type it already knows, so nothing here reads the bytes it just
   * wrote. `replyLink`: the link the packet this one answers came in on. A
   * handshake response with no route yet goes back on it: the initiator's
   * record can reach us a few ms after its init does (both flood at
   * start-up), and the relay that handed us the init has a route back. Only
   * the response: it is sent once per valid init and is no larger, so it
   * cannot be used to reflect traffic anywhere new.
   */
  originate(destIdText: string, type: number, replyLink?: L): ForwardDecision<L> {
    if (destIdText === this.localIdText) return { action: 'deliver', type: type as PacketTypeNumber };
    const nextHop = this.opts.routeLookup(destIdText)
      ?? (type === PacketType.HANDSHAKE_RESPONSE ? replyLink : undefined);
    if (nextHop === undefined) return this.drop('no-route');
    this.c.originated++;
    return { action: 'forward', nextHop };
  }

  /** The header, or the 'malformed' drop. */
  private parse(packet: Uint8Array): PacketHeader | ForwardDecision<L> {
    try {
      return readHeader(packet);
    } catch (err) {
      if (err instanceof DecodeError) return this.drop('malformed', err.message);
      throw err;
    }
  }

  private drop(reason: ForwardDropReason, detail?: string, unreachable?: { nextHop: L; bytes: Uint8Array }): ForwardDecision<L> {
    this.c.drops[reason]++;
    return { action: 'drop', reason, ...(detail !== undefined ? { detail } : {}), ...(unreachable !== undefined ? { unreachable } : {}) };
  }

  private unreachable(packet: Uint8Array, type: number, reason: UnreachableReasonNumber, nowMs: number): { nextHop: L; bytes: Uint8Array } | undefined {
    if (type === PacketType.UNREACHABLE) return undefined;
    const source = sourceIdText(packet);
    const back = this.opts.routeLookup(source);
    if (back === undefined) {
      this.c.unreachablesUnroutable++;
      return undefined;
    }
    if (!this.limiter.take(source, nowMs)) {
      this.c.unreachablesRateLimited++;
      return undefined;
    }
    this.c.unreachablesSent++;
    return { nextHop: back, bytes: buildUnreachable(this.opts.localId, this.opts.sign, reason, packet) };
  }
}
