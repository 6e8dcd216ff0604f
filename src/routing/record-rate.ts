/**
 * How often one origin's records may follow each other: a token bucket
 * counted in the origin's own issue times (pure). It holds `burst` records
 * and refills one per `refillMs` of issue time, so a start or a new link
 * (a few records within milliseconds: one per link that comes up) passes at
 * once, while a flapping or hostile origin is held to one record per
 * `refillMs` after its burst.
 *
 * Used twice with the same arithmetic: by every node on the records it
 * accepts from each origin (receive.ts: recordBurst, minRecordArrivalMs)
 * and by a node on its own originations (state.ts: originationBurst, the
 * origination gap). Our bucket is never larger nor faster than a
 * neighbour's (options.ts checks the bursts), and a neighbour counts only
 * the records of ours it accepted, a subset of those we sent, so it always
 * holds at least as many tokens for us as we do: neighbours never refuse a
 * record of ours as too soon.
 */

export interface IssueRate {
  /** Records that may follow each other back to back. */
  burst: number;
  /** Issue time that earns one more record (0: no limit). */
  refillMs: number;
}

/**
 * Tokens held for a record issued `elapsedMs` after the last one counted,
 * which left `tokens`; not yet taken. A negative or missing gap earns
 * nothing; an unknown last one (elapsedMs = Infinity) leaves a full bucket.
 */
export function tokensAfter(tokens: number, elapsedMs: number, rate: IssueRate): number {
  if (rate.refillMs <= 0) return rate.burst;
  return Math.min(rate.burst, tokens + Math.max(0, elapsedMs) / rate.refillMs);
}

/** How long after the last record counted the next may be issued (0: at once). */
export function waitForToken(tokens: number, rate: IssueRate): number {
  return tokens >= 1 || rate.refillMs <= 0 ? 0 : (1 - tokens) * rate.refillMs;
}
