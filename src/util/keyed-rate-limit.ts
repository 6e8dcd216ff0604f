/**
 * A rate limit per key under a global one, on injected (monotonic) time,
 * with a bounded table of keys: what stops a flood of handshake inits from
 * costing unbounded X25519 work, a flood of bad packets from costing
 * unbounded unreachables, and a stream of unreachable reports from costing
 * unbounded signature checks.
 *
 * Keys are whatever the caller budgets by: a node id, an arrival link, a
 * (link, claimed source) pair. Built on the token bucket and LRU map (pure).
 */
import { BoundedMap } from './bounded-map.js';
import { TokenBucket } from './token-bucket.js';
import type { RateLimit } from './token-bucket.js';

export interface KeyedRateLimitOptions {
  perKey: RateLimit;
  global: RateLimit;
  /** Keys tracked at once; the least recently seen is forgotten first (it gets a fresh bucket). */
  maxKeys: number;
}

export class KeyedRateLimiter<K = string> {
  private readonly global: TokenBucket;
  private readonly buckets: BoundedMap<K, TokenBucket>;

  constructor(private readonly opts: KeyedRateLimitOptions, nowMs: number) {
    this.global = new TokenBucket(opts.global, nowMs);
    this.buckets = new BoundedMap(opts.maxKeys);
  }

  /** Take one token for `key` and one globally; false if either is empty. */
  take(key: K, nowMs: number): boolean {
    // The key's bucket first: one noisy source must not drain the global budget.
    return this.bucket(key, nowMs).take(nowMs) && this.global.take(nowMs);
  }

  /** Take one token for `key` only (a budget with no global part). */
  takeKey(key: K, nowMs: number): boolean {
    return this.bucket(key, nowMs).take(nowMs);
  }

  /** Would `key`'s own bucket give a token now? Takes nothing, creates no entry. */
  keyHasToken(key: K, nowMs: number): boolean {
    return this.buckets.get(key)?.hasToken(nowMs) ?? true;
  }

  private bucket(key: K, nowMs: number): TokenBucket {
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      bucket = new TokenBucket(this.opts.perKey, nowMs);
      this.buckets.set(key, bucket);
    }
    return bucket;
  }
}
