/**
 * How many dials advertisements may cause (pure; monotonic ms passed in).
 *
 * An advertisement is unauthenticated: anyone on a segment can sign one with
 * a fresh key, naming any address and port, and each would make us open a
 * TCP connection there. So dials caused by sightings take a token from the
 * interface's bucket, then from the one shared by all interfaces: a flood on
 * one segment cannot spend another segment's dials, and all segments
 * together stay under the total. Nodes we have had a link with recently are
 * exempt (see DialPolicy): the flood cannot delay their redial.
 */
import { TokenBucket, type RateLimit } from '../util/token-bucket.js';

/** Default dials per second per interface (burst twice that), for nodes we have never linked with. */
export const DEFAULT_DIALS_PER_INTERFACE_PER_SECOND = 10;
/** Default dials per second over all interfaces together (burst twice that). */
export const DEFAULT_DIALS_PER_SECOND = 20;
/** Interfaces with a bucket; they are ours, but the names arrive with each sighting, so bound them anyway. */
export const MAX_DIAL_INTERFACES = 256;

export interface DialBudgetConfig {
  perInterface: RateLimit;
  total: RateLimit;
}

export function dialBudgetConfig(perInterfacePerSecond: number, totalPerSecond: number): DialBudgetConfig {
  return {
    perInterface: { perSecond: perInterfacePerSecond, burst: Math.max(1, 2 * perInterfacePerSecond) },
    total: { perSecond: totalPerSecond, burst: Math.max(1, 2 * totalPerSecond) },
  };
}

export type DialBudgetResult = 'ok' | 'interface' | 'total';

export class DialBudget {
  private readonly interfaces = new Map<string, TokenBucket>();
  private readonly total: TokenBucket;

  constructor(private readonly config: DialBudgetConfig, nowMs: number) {
    this.total = new TokenBucket(config.total, nowMs);
  }

  /**
   * Take one dial for `via`. The interface's token is checked first but only
   * taken together with a total token, so a segment refused for the total
   * keeps its own share for later.
   */
  take(via: string, nowMs: number): DialBudgetResult {
    const bucket = this.bucketFor(via, nowMs);
    if (bucket.msUntilToken(nowMs) > 0) return 'interface';
    if (!this.total.take(nowMs)) return 'total';
    bucket.take(nowMs);
    return 'ok';
  }

  private bucketFor(via: string, nowMs: number): TokenBucket {
    let b = this.interfaces.get(via);
    if (b === undefined) {
      if (this.interfaces.size >= MAX_DIAL_INTERFACES) this.interfaces.clear();
      b = new TokenBucket(this.config.perInterface, nowMs);
      this.interfaces.set(via, b);
    }
    return b;
  }
}
