/**
 * Whether a sighting (an unauthenticated advertisement) becomes a dial, and
 * the bounded memory that decision needs (pure apart from DialBackoff's
 * clock; every table keyed by something a stranger chooses is an AgingMap).
 *
 * Checks, cheapest first:
 *   already linked or dialing (the caller says) ─ too many dials in flight
 *   ─ backoff of this key on this interface ─ tie-break grace for the higher id
 *   ─ dial budget (per interface, then total) unless the node is known
 *   → dial
 *
 * "Known" = we held an authenticated link to that node id within
 * KNOWN_PEER_MEMORY_MS. Its advertisement is signed by its own key, which a
 * stranger cannot forge, so a flood of forged keys never delays the redial
 * of a neighbour we lost.
 */
import type { Clock } from '../util/clock.js';
import type { Random } from '../util/random.js';
import { AgingMap } from '../util/aging-map.js';
import { DialBackoff } from './backoff.js';
import { DialBudget, type DialBudgetConfig } from './dial-budget.js';
import { dialsFirst } from './tiebreak.js';

/** Dial targets (key on an interface) whose backoff or first sighting we remember. */
export const MAX_DIAL_TARGETS = 1024;
/** A failed target's backoff is forgotten this long after its last failure (twice the longest backoff). */
export const BACKOFF_MEMORY_MS = 60_000;
/** A first sighting is remembered at least this long, and at least FIRST_SEEN_GRACE_MULTIPLE grace periods. */
export const FIRST_SEEN_MEMORY_MS = 60_000;
export const FIRST_SEEN_GRACE_MULTIPLE = 4;
/** Node ids we held a link with, remembered this long after the link went down. */
export const KNOWN_PEER_MEMORY_MS = 10 * 60_000;
export const MAX_KNOWN_PEERS = 1024;
/** Dials caused by sightings that may be in flight at once (each holds a socket until its handshake ends). */
export const MAX_SIGHTING_DIALS_IN_FLIGHT = 64;

export interface DialCandidate {
  /** `id|via`, the link key. */
  key: string;
  idText: string;
  id: Uint8Array;
  via: string;
}

export type DialDecision = 'dial' | 'backoff' | 'grace' | 'in-flight-limit' | 'rate-interface' | 'rate-total';

export interface DialPolicyCounters {
  dialsRateLimitedInterface: number;
  dialsRateLimitedTotal: number;
  dialsInFlightLimited: number;
}

export interface DialPolicyOptions {
  localId: Uint8Array;
  dialGraceMs: number;
  budget: DialBudgetConfig;
  clock: Clock;
  random: Random;
}

export class DialPolicy {
  readonly counters: DialPolicyCounters = { dialsRateLimitedInterface: 0, dialsRateLimitedTotal: 0, dialsInFlightLimited: 0 };
  private readonly backoffs = new AgingMap<string, DialBackoff>(MAX_DIAL_TARGETS, BACKOFF_MEMORY_MS);
  private readonly firstSeen: AgingMap<string, number>;
  private readonly known = new AgingMap<string, true>(MAX_KNOWN_PEERS, KNOWN_PEER_MEMORY_MS);
  private readonly budget: DialBudget;

  constructor(private readonly opts: DialPolicyOptions) {
    this.firstSeen = new AgingMap(MAX_DIAL_TARGETS, Math.max(FIRST_SEEN_MEMORY_MS, FIRST_SEEN_GRACE_MULTIPLE * opts.dialGraceMs));
    this.budget = new DialBudget(opts.budget, opts.clock.monotonic());
  }

  /** Sizes of the tables, for status and tests. */
  sizes(): { backoffs: number; firstSeen: number; known: number } {
    return { backoffs: this.backoffs.size, firstSeen: this.firstSeen.size, known: this.known.size };
  }

  /** Decide for a target that is neither linked nor being dialed; `inFlight` = sighting dials under way. */
  decide(c: DialCandidate, inFlight: number): DialDecision {
    const now = this.opts.clock.monotonic();
    if (inFlight >= MAX_SIGHTING_DIALS_IN_FLIGHT) {
      this.counters.dialsInFlightLimited++;
      return 'in-flight-limit';
    }
    const backoff = this.backoffs.get(c.key, now);
    if (backoff !== undefined && !backoff.isReady()) return 'backoff';
    if (!dialsFirst(this.opts.localId, c.id)) {
      let first = this.firstSeen.get(c.key, now);
      if (first === undefined) {
        first = now;
        this.firstSeen.set(c.key, first, now);
      }
      if (now - first < this.opts.dialGraceMs) return 'grace';
    }
    if (this.known.has(c.idText, now)) return 'dial';
    const r = this.budget.take(c.via, now);
    if (r === 'interface') {
      this.counters.dialsRateLimitedInterface++;
      return 'rate-interface';
    }
    if (r === 'total') {
      this.counters.dialsRateLimitedTotal++;
      return 'rate-total';
    }
    return 'dial';
  }

  /** A dial to `key` failed: back off (the entry lives BACKOFF_MEMORY_MS from now). */
  failed(key: string): number {
    const now = this.opts.clock.monotonic();
    const b = this.backoffs.get(key, now) ?? new DialBackoff(this.opts.clock, this.opts.random);
    const delay = b.recordFailure();
    this.backoffs.set(key, b, now);
    return delay;
  }

  /** A link to `idText` on `key` is up (dialed either way): forget its backoff and grace, remember the node. */
  linked(key: string, idText: string): void {
    this.backoffs.delete(key);
    this.firstSeen.delete(key);
    this.known.set(idText, true, this.opts.clock.monotonic());
  }

  /** A link to `idText` went down: it stays known for KNOWN_PEER_MEMORY_MS from now. */
  unlinked(idText: string): void {
    this.known.set(idText, true, this.opts.clock.monotonic());
  }
}
