/**
 * Who pays for a handshake init (each costs the responder X25519 work), so
 * that no member can spend another's budget. The packet's source field is
 * unauthenticated until the handshake completes, so it is never charged on
 * its own; budgets are nested cheapest and narrowest first:
 *
 *   1. proven source      empty only if that member ITSELF completed too many
 *                         handshakes lately (charged after a fresh init
 *                         authenticates, so junk naming B cannot empty it);
 *                         checked, not taken, before any work
 *   2. (link, claimed)    the arrival link and the claimed source together:
 *                         junk claiming B over link X spends (X, B) only, and
 *                         B's genuine init over its real path Y still passes
 *   3. arrival link       every init over one link, whatever it claims: a
 *                         hostile neighbour (or whatever sits behind it)
 *                         cannot take more than its link's share...
 *   4. global             ...of the node's total.
 *
 * The arrival link is the authenticated neighbour the packet came from. What
 * this cannot separate: junk and genuine inits claiming the same source over
 * the same link (a relay on B's path can drop B's packets anyway).
 *
 * Pure, on monotonic time; tables bounded (least recently seen forgotten).
 */
import { KeyedRateLimiter } from '../util/keyed-rate-limit.js';
import type { SessionLimits } from './limits.js';

/** The arrival of a packet handed to the manager without a link (local tests, loopback). */
export const LOCAL_ARRIVAL = '';

/** Which budget refused an init (for counters and debug logs). */
export type HandshakeRefusal = 'proven-source' | 'link-source' | 'link';

export class HandshakeBudget {
  private readonly provenSource: KeyedRateLimiter<string>;
  private readonly linkSource: KeyedRateLimiter<string>;
  private readonly link: KeyedRateLimiter<string>;

  constructor(limits: SessionLimits, nowMs: number) {
    const maxKeys = limits.maxRateLimitedSources;
    const unusedGlobal = { perSecond: 1, burst: 1 };
    this.provenSource = new KeyedRateLimiter({ perKey: limits.handshakeRatePerProvenSource, global: unusedGlobal, maxKeys }, nowMs);
    this.linkSource = new KeyedRateLimiter({ perKey: limits.handshakeRatePerSource, global: unusedGlobal, maxKeys }, nowMs);
    this.link = new KeyedRateLimiter({ perKey: limits.handshakeRatePerLink, global: limits.handshakeRate, maxKeys }, nowMs);
  }

  /** May an init claiming `claimed`, arrived over `arrival`, be worked on? Takes tokens from 2-4 when it may. */
  admitInit(arrival: string, claimed: string, nowMs: number): HandshakeRefusal | undefined {
    if (!this.provenSource.keyHasToken(claimed, nowMs)) return 'proven-source';
    return this.admitOnLink(arrival, `init\0${claimed}`, nowMs);
  }

  /** A fresh init from `proven` authenticated: charge the member itself. */
  chargeProven(proven: string, nowMs: number): void {
    this.provenSource.takeKey(proven, nowMs);
  }

  /**
   * DATA under keys we do not hold, claiming `claimed`: may we answer with a
   * handshake of our own? Same link budgets, its own (link, source) key.
   */
  admitUnknownSession(arrival: string, claimed: string, nowMs: number): boolean {
    return this.admitOnLink(arrival, `unknown-session\0${claimed}`, nowMs) === undefined;
  }

  private admitOnLink(arrival: string, sourceKey: string, nowMs: number): HandshakeRefusal | undefined {
    if (!this.linkSource.takeKey(`${arrival}\0${sourceKey}`, nowMs)) return 'link-source';
    if (!this.link.take(arrival, nowMs)) return 'link';
    return undefined;
  }
}
