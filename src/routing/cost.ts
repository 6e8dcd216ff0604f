/**
 * Link cost from measured RTT, smoothed and with hysteresis, so routes
 * follow real changes in delay but do not flap on jitter.
 *
 *   smoothed = smoothed + GAIN * (sample - smoothed)        (TCP's SRTT, gain 1/8)
 *   a sample above SPIKE_CLAMP x smoothed counts as SPIKE_CLAMP x smoothed,
 *     so one stray spike moves the estimate a little, a lasting rise fully
 *   candidate = HOP_COST + smoothed, in microseconds, rounded to QUANTUM
 *   the advertised cost moves to the candidate only when it differs by more
 *     than HYSTERESIS (relative) AND MIN_CHANGE (absolute)
 *
 * The per-hop base keeps sub-millisecond LAN jitter from reordering paths
 * with different hop counts: a hop is never free. Pure: samples come in, the
 * caller decides when to re-originate (when `addSample` says the cost moved).
 */
import { MAX_LINK_COST, MIN_LINK_COST } from '../wire/routing-constants.js';

export interface CostEstimatorOptions {
  gain: number;
  spikeClamp: number;
  hysteresis: number;
  minChangeMicros: number;
  hopCostMicros: number;
  quantumMicros: number;
  /** Cost before the first sample. */
  initialCost: number;
}

export const DEFAULT_COST_ESTIMATOR_OPTIONS: Readonly<CostEstimatorOptions> = Object.freeze({
  gain: 1 / 8,
  spikeClamp: 3,
  hysteresis: 0.25,
  minChangeMicros: 500,
  hopCostMicros: 1_000,
  quantumMicros: 100,
  initialCost: 11_000,
});

const MICROS_PER_MS = 1000;

export class LinkCostEstimator {
  private readonly o: CostEstimatorOptions;
  private smoothed: number | undefined;
  private advertised: number;

  constructor(options: Partial<CostEstimatorOptions> = {}) {
    this.o = { ...DEFAULT_COST_ESTIMATOR_OPTIONS, ...options };
    this.advertised = this.clamp(this.o.initialCost);
  }

  /** The cost to advertise for this link. */
  get cost(): number {
    return this.advertised;
  }

  get smoothedRttMs(): number | undefined {
    return this.smoothed === undefined ? undefined : this.smoothed / MICROS_PER_MS;
  }

  /** Feeds one RTT sample; true when the advertised cost changed. Ignores nonsense samples. */
  addSample(rttMs: number): boolean {
    if (!Number.isFinite(rttMs) || rttMs < 0) return false;
    const sample = rttMs * MICROS_PER_MS;
    const first = this.smoothed === undefined;
    if (this.smoothed === undefined) {
      this.smoothed = sample;
    } else {
      const bounded = Math.min(sample, this.smoothed * this.o.spikeClamp);
      this.smoothed += this.o.gain * (bounded - this.smoothed);
    }
    const candidate = this.clamp(Math.round((this.o.hopCostMicros + this.smoothed) / this.o.quantumMicros) * this.o.quantumMicros);
    const diff = Math.abs(candidate - this.advertised);
    if (first || (diff > this.o.minChangeMicros && diff > this.o.hysteresis * this.advertised)) {
      const changed = candidate !== this.advertised;
      this.advertised = candidate;
      return changed;
    }
    return false;
  }

  private clamp(cost: number): number {
    return Math.min(MAX_LINK_COST, Math.max(MIN_LINK_COST, Math.round(cost)));
  }
}
