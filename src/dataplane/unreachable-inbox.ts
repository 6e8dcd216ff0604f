/**
 * What a source does with the unreachable reports addressed to it, cheapest
 * check first, so a member replaying or inventing reports costs us little:
 *
 *   1. decode, addressed to us about a packet from us     (no crypto)
 *   2. the quote names a packet we sent lately            (session state lookup)
 *   3. not a copy of a report already accepted            (bounded set)
 *   4. budget of the arrival link, then the total         (token buckets)
 *   5. the relay's certified key and Ed25519 signature    (the expensive step)
 *   6. remember it (a replay now stops at 3)
 *
 * So a replayed report costs a map lookup, a forged one that quotes nothing
 * we sent costs the same, and one that quotes real traffic (a relay on the
 * path sees DATA headers) costs a signature check within the budget of the
 * link it came over. Pure: time is the caller's monotonic `nowMs`.
 */
import { BoundedMap } from '../util/bounded-map.js';
import { KeyedRateLimiter } from '../util/keyed-rate-limit.js';
import type { RateLimit } from '../util/token-bucket.js';
import { probeKey } from '../wire/packet.js';
import {
  type LookupNodeKey,
  type UnreachableRefusal,
  type UnreachableReport,
  checkUnreachableAddress,
  checkUnreachableSignature,
} from './forward-unreachable.js';

export interface UnreachableInboxLimits {
  /** Signature checks for reports arriving over one link... */
  perLink: RateLimit;
  /** ...and over all links together. */
  global: RateLimit;
  /** Links tracked for perLink (least recently seen forgotten first). */
  maxLinks: number;
  /** Accepted reports remembered, so a replay of one is dropped before its signature. */
  rememberedReports: number;
}

export const DEFAULT_UNREACHABLE_INBOX_LIMITS: Readonly<UnreachableInboxLimits> = Object.freeze({
  perLink: Object.freeze({ perSecond: 20, burst: 40 }),
  global: Object.freeze({ perSecond: 100, burst: 200 }),
  maxLinks: 1024,
  rememberedReports: 1024,
});

export type InboxDropReason = UnreachableRefusal | 'not-sent' | 'duplicate' | 'rate-limited';
export const INBOX_DROP_REASONS: readonly InboxDropReason[] = ['malformed', 'not-ours', 'not-sent', 'duplicate', 'rate-limited', 'unknown-relay', 'bad-signature'];

export interface UnreachableInboxOptions {
  localId: Uint8Array;
  lookupKey: LookupNodeKey;
  /** Is this quote (source: us) the start of a packet we sent lately? (SessionManager.sentRecently) */
  sentRecently: (quote: Uint8Array) => boolean;
  nowMs: number;
  limits?: UnreachableInboxLimits;
}

export interface UnreachableInboxCounters {
  accepted: number;
  /** Ed25519 verifications run (the cost the budgets bound). */
  signatureChecks: number;
  drops: Record<InboxDropReason, number>;
}

export type InboxResult =
  | { ok: true; report: UnreachableReport }
  | { ok: false; reason: InboxDropReason; detail: string };

export class UnreachableInbox<L> {
  private readonly budget: KeyedRateLimiter<L>;
  private readonly accepted: BoundedMap<string, true>;
  private readonly c: UnreachableInboxCounters = {
    accepted: 0, signatureChecks: 0, drops: Object.fromEntries(INBOX_DROP_REASONS.map((r) => [r, 0])) as Record<InboxDropReason, number>,
  };

  constructor(private readonly opts: UnreachableInboxOptions) {
    const limits = opts.limits ?? DEFAULT_UNREACHABLE_INBOX_LIMITS;
    this.budget = new KeyedRateLimiter({ perKey: limits.perLink, global: limits.global, maxKeys: limits.maxLinks }, opts.nowMs);
    this.accepted = new BoundedMap(limits.rememberedReports);
  }

  get counters(): UnreachableInboxCounters {
    return { ...this.c, drops: { ...this.c.drops } };
  }

  /** An UNREACHABLE packet delivered to us, arrived over `arrival`. Never throws. */
  receive(packet: Uint8Array, arrival: L, nowMs: number): InboxResult {
    const addressed = checkUnreachableAddress(packet, this.opts.localId);
    if (!addressed.ok) return this.drop(addressed.reason, addressed.detail);
    const quote = addressed.body.quote;
    if (!this.opts.sentRecently(quote)) return this.drop('not-sent', 'the report quotes no packet we sent lately');
    const key = probeKey(quote);
    if (this.accepted.get(key) !== undefined) return this.drop('duplicate', 'a copy of a report already accepted');
    if (!this.budget.take(arrival, nowMs)) return this.drop('rate-limited', 'unreachable signature budget spent');
    this.c.signatureChecks++;
    const checked = checkUnreachableSignature(packet, addressed.body, this.opts.lookupKey);
    if (!checked.ok) return this.drop(checked.reason, checked.detail);
    this.accepted.set(key, true);
    this.c.accepted++;
    return checked;
  }

  private drop(reason: InboxDropReason, detail: string): InboxResult {
    this.c.drops[reason]++;
    return { ok: false, reason, detail };
  }
}
