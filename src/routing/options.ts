/**
 * Every timer and bound of the routing core, with defaults, resolved once
 * (range-checked, errors name the option) so the rest never sees a missing
 * or absurd value. Every duration is on the monotonic clock except the
 * record lifetime bounds and clock skew, which compare wall times.
 */
import { ErrorCodes, SkeinError } from '../util/errors.js';
import { MIN_LINK_COST } from '../wire/routing-constants.js';
import type { RateLimit } from '../util/token-bucket.js';

export type { RateLimit } from '../util/token-bucket.js';

export interface RoutingTimers {
  /** How long a record stays valid after its origin signed it. */
  lifetimeMs: number;
  /** A node re-originates unchanged after this long, well before its lifetime ends. */
  refreshIntervalMs: number;
  /** Wait after a link change before originating (0: in the same step, so a quiet network learns of a new link at once). */
  originationHoldMs: number;
  /**
   * Originations are at least this far apart (capped by minOriginationIntervalMs); while
   * link changes keep coming, the gap doubles up to minOriginationIntervalMs and falls
   * back once quiet. Not below minRecordArrivalMs, or neighbours refuse the second record.
   */
  originationBackoffMs: number;
  /** The origination rate limit while busy: at most one per this interval. */
  minOriginationIntervalMs: number;
  /**
   * Records of one origin are accepted only this far apart by their ARRIVAL times (our
   * monotonic clock, never the origin's claimed issue times), after a burst of recordBurst
   * (refused ones are not acked, so they are resent). See record-rate.ts.
   */
  minRecordArrivalMs: number;
  /**
   * Records of one origin accepted back to back before minRecordArrivalMs applies: a node
   * that starts, or whose links come up within milliseconds of each other, sends one record
   * per change, and a neighbour holding the second back for minRecordArrivalMs would hold the
   * whole mesh's routes to it back as long.
   */
  recordBurst: number;
  /**
   * Our own records that may go out back to back before the origination gap applies
   * (at most recordBurst, so neighbours never refuse one as too soon).
   */
  originationBurst: number;
  /**
   * Route computations are at least this far apart: after a quiet spell a change is
   * computed at once, changes within this gap of the last computation wait for it to end.
   */
  spfDelayMs: number;
  /**
   * While changes keep coming, the gap between computations doubles from
   * spfDelayMs up to this (OSPF's SPF throttling); it falls back once quiet.
   */
  spfMaxHoldMs: number;
  /**
   * Back-to-back computations allowed at spfDelayMs before the gap starts
   * doubling: a start or a link change brings a short burst of records
   * (summary exchange, two records per new link), and doubling at once held a
   * relay's route back while its neighbours already used it.
   */
  spfBurst: number;
  /**
   * Messages to a neighbour are at least this far apart: what is queued when the last
   * message is older goes out at once; what is queued sooner is gathered until the gap
   * ends and sent in one message.
   */
  floodPacingMs: number;
  /** Unacknowledged records, lists and summary parts are resent after this long. */
  retransmitIntervalMs: number;
  /** Records of origins that stay unreachable this long are removed. */
  unreachableGraceMs: number;
  /** Accepted lead of a record's issue time over the local clock. */
  maxClockSkewMs: number;
}

export interface RoutingBounds {
  /** Records (origins) in the database, self included. */
  maxRecords: number;
  /** Bytes of stored records. */
  maxDatabaseBytes: number;
  /** Accepted record lifetimes. */
  minLifetimeMs: number;
  maxLifetimeMs: number;
  /** New records and revocation lists taken from one neighbour (each costs a signature check). */
  neighbourRecordRate: RateLimit;
  /** Messages of any kind taken from one neighbour. */
  neighbourMessageRate: RateLimit;
  /** New records and revocation lists taken from all neighbours together: the node's signature-check budget. */
  totalRecordRate: RateLimit;
  /** Summary parts answered per neighbour (a part beyond it is acked but not answered). */
  neighbourSummaryRate: RateLimit;
  /**
   * The least cost an edge between two other members counts with, whatever
   * both ends claim (routes.ts). The daemon sets it to the cost its own
   * estimator gives the fastest possible link (one hop's base cost).
   */
  minEdgeCost: number;
}

export type RoutingOptions = RoutingTimers & RoutingBounds;

export const DEFAULT_ROUTING_OPTIONS: Readonly<RoutingOptions> = Object.freeze({
  lifetimeMs: 60 * 60_000,
  refreshIntervalMs: 20 * 60_000,
  originationHoldMs: 0,
  originationBackoffMs: 100,
  minOriginationIntervalMs: 1_000,
  minRecordArrivalMs: 100,
  recordBurst: 4,
  originationBurst: 3,
  spfDelayMs: 5,
  spfMaxHoldMs: 1_000,
  spfBurst: 8,
  floodPacingMs: 20,
  retransmitIntervalMs: 2_000,
  unreachableGraceMs: 60_000,
  maxClockSkewMs: 5 * 60_000,
  maxRecords: 8_192,
  maxDatabaseBytes: 64 * 1024 * 1024,
  minLifetimeMs: 10_000,
  maxLifetimeMs: 2 * 60 * 60_000,
  neighbourRecordRate: Object.freeze({ perSecond: 500, burst: 8_192 }),
  neighbourMessageRate: Object.freeze({ perSecond: 500, burst: 2_000 }),
  totalRecordRate: Object.freeze({ perSecond: 2_000, burst: 16_384 }),
  neighbourSummaryRate: Object.freeze({ perSecond: 1, burst: 16 }),
  minEdgeCost: MIN_LINK_COST,
});

function check(ok: boolean, key: string, why: string): void {
  if (!ok) throw new SkeinError(ErrorCodes.CONFIG, `routing option '${key}': ${why}`);
}

export function resolveRoutingOptions(partial: Partial<RoutingOptions> = {}): RoutingOptions {
  const o: RoutingOptions = { ...DEFAULT_ROUTING_OPTIONS, ...partial };
  for (const [key, value] of Object.entries(o)) {
    if (typeof value === 'number') check(Number.isFinite(value) && value >= 0, key, `must be a finite number >= 0, got ${value}`);
  }
  for (const key of ['neighbourRecordRate', 'neighbourMessageRate', 'totalRecordRate', 'neighbourSummaryRate'] as const) {
    check(o[key].perSecond > 0 && o[key].burst >= 1, key, 'needs perSecond > 0 and burst >= 1');
  }
  check(o.lifetimeMs >= o.minLifetimeMs && o.lifetimeMs <= o.maxLifetimeMs, 'lifetimeMs', `must be within [minLifetimeMs, maxLifetimeMs]`);
  check(o.refreshIntervalMs > 0 && o.refreshIntervalMs < o.lifetimeMs / 2, 'refreshIntervalMs', 'must be below half the lifetime, so one lost refresh is survived');
  check(o.unreachableGraceMs < o.lifetimeMs, 'unreachableGraceMs', 'must be below the lifetime');
  check(o.spfMaxHoldMs >= o.spfDelayMs, 'spfMaxHoldMs', 'must be >= spfDelayMs');
  check(o.retransmitIntervalMs > 0, 'retransmitIntervalMs', 'must be > 0');
  check(o.maxRecords >= 2, 'maxRecords', 'must be >= 2');
  check(o.minEdgeCost >= MIN_LINK_COST, 'minEdgeCost', `must be >= ${MIN_LINK_COST}`);
  check(Number.isInteger(o.recordBurst) && o.recordBurst >= 1, 'recordBurst', 'must be an integer >= 1');
  check(Number.isInteger(o.originationBurst) && o.originationBurst >= 1 && o.originationBurst <= o.recordBurst, 'originationBurst', 'must be an integer from 1 to recordBurst (or neighbours refuse our records)');
  return o;
}
