/**
 * A token bucket on an injected time (pure): `burst` tokens, refilled at
 * `perSecond`. Discovery, routing and sessions keep one per source address
 * and one global, so a flood of unauthenticated packets costs at most a
 * bounded number of signature checks or handshakes.
 *
 * Feed it monotonic time. Should time ever run backwards anyway, the step
 * itself earns nothing and refilling resumes from the new reading at once
 * (never "frozen until time catches up").
 */

/** How fast a bucket refills and how many tokens it holds at most. */
export interface RateLimit {
  perSecond: number;
  burst: number;
}

const MS_PER_SECOND = 1000;

export class TokenBucket {
  private tokens: number;
  private lastMs: number;

  constructor(private readonly limit: RateLimit, nowMs: number) {
    this.tokens = limit.burst;
    this.lastMs = nowMs;
  }

  /** Take one token if there is one. */
  take(nowMs: number): boolean {
    this.refill(nowMs);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** How long until `take` would succeed (0: now). */
  msUntilToken(nowMs: number): number {
    this.refill(nowMs);
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) * MS_PER_SECOND) / this.limit.perSecond);
  }

  /** True when `take` would succeed now (takes nothing). */
  hasToken(nowMs: number): boolean {
    this.refill(nowMs);
    return this.tokens >= 1;
  }

  private refill(nowMs: number): void {
    const elapsed = Math.max(0, nowMs - this.lastMs);
    this.lastMs = nowMs;
    this.tokens = Math.min(this.limit.burst, this.tokens + (elapsed * this.limit.perSecond) / MS_PER_SECOND);
  }
}
