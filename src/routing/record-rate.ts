/**
 * How often one origin's records may follow each other: a token bucket on
 * the monotonic clock of the node that counts (pure). It holds `burst`
 * records and refills one per `refillMs`, so a start or a new link (a few
 * records within milliseconds: one per link that comes up) passes at once,
 * while a flapping or hostile origin is held to one record per `refillMs`
 * after its burst.
 *
 * Used twice with the same arithmetic: by every node on the records it
 * accepts from each origin, counted between ARRIVALS (receive.ts:
 * recordBurst, minRecordArrivalMs; never the origin's claimed issue times,
 * which a hostile origin spaces at will), and by a node on its own
 * originations, counted between the times it made them (state.ts:
 * originationBurst, the origination gap). Our bucket is smaller than a
 * neighbour's (options.ts checks originationBurst <= recordBurst): the spare
 * token absorbs delivery jitter that brings two of our records closer
 * together on arrival than we made them; a record refused anyway is not
 * acknowledged and is resent after retransmitIntervalMs, so a limit delays
 * a record, it never loses one.
 */

export interface IssueRate {
  /** Records that may follow each other back to back. */
  burst: number;
  /** Time that earns one more record (0: no limit). */
  refillMs: number;
}

/**
 * Tokens held for a record `elapsedMs` after the last one counted,
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
