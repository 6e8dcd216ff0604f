/**
 * A rate limit per key (a claimed source node) under a global one, on
 * injected time, with a bounded table of keys: what stops a flood of
 * handshake inits from costing unbounded X25519 work, and a flood of bad
 * packets from costing unbounded unreachables (src/dataplane/forwarding.ts).
 *
 * Built on util's token bucket and LRU map (pure).
 */
import { BoundedMap } from '../util/bounded-map.js';
import { TokenBucket } from '../util/token-bucket.js';
import type { RateLimit } from '../util/token-bucket.js';

export interface KeyedRateLimitOptions {
  perKey: RateLimit;
  global: RateLimit;
  /** Keys tracked at once; the least recently seen is forgotten first (it gets a fresh bucket). */
  maxKeys: number;
}

export class KeyedRateLimiter {
  private readonly global: TokenBucket;
  private readonly buckets: BoundedMap<string, TokenBucket>;

  constructor(private readonly opts: KeyedRateLimitOptions, nowMs: number) {
    this.global = new TokenBucket(opts.global, nowMs);
    this.buckets = new BoundedMap(opts.maxKeys);
  }

  /** Take one token for `key` and one globally; false if either is empty. */
  take(key: string, nowMs: number): boolean {
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      bucket = new TokenBucket(this.opts.perKey, nowMs);
      this.buckets.set(key, bucket);
    }
    // The key's bucket first: one noisy source must not drain the global budget.
    return bucket.take(nowMs) && this.global.take(nowMs);
  }
}
