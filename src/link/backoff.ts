/**
 * Capped, jittered exponential backoff for failed dials.
 *
 * delay(n) = min(maxMs, initialMs * multiplier^n), then "equal jitter": a
 * uniform pick in [delay * (1 - jitter), delay], so many nodes that lost the
 * same peer do not redial in lockstep, yet the delay never collapses to 0.
 * Time and randomness are injected.
 */
import type { Clock } from '../util/clock.js';
import type { Random } from '../util/random.js';

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  multiplier: number;
  /** Fraction of the delay that is random, 0..1. */
  jitter: number;
}

export const DEFAULT_DIAL_BACKOFF: BackoffPolicy = {
  initialMs: 500,
  maxMs: 30_000,
  multiplier: 2,
  jitter: 0.5,
};

/** The delay after `failures` consecutive failures (failures >= 1), with jitter from `random`. */
export function backoffDelayMs(policy: BackoffPolicy, failures: number, random: Random): number {
  const exponent = Math.max(0, failures - 1);
  const base = Math.min(policy.maxMs, policy.initialMs * policy.multiplier ** exponent);
  const jitter = Math.min(1, Math.max(0, policy.jitter));
  return Math.round(base * (1 - jitter * random.float()));
}

/** Backoff state for one dial target (a peer on an interface, or a static peer address). */
export class DialBackoff {
  private failureCount = 0;
  private notBefore = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly policy: BackoffPolicy = DEFAULT_DIAL_BACKOFF,
  ) {}

  get failures(): number {
    return this.failureCount;
  }

  /** Monotonic time before which we should not dial again. */
  get readyAt(): number {
    return this.notBefore;
  }

  isReady(): boolean {
    return this.clock.monotonic() >= this.notBefore;
  }

  /** Record a failed dial or handshake; returns the delay until the next attempt. */
  recordFailure(): number {
    this.failureCount++;
    const delay = backoffDelayMs(this.policy, this.failureCount, this.random);
    this.notBefore = this.clock.monotonic() + delay;
    return delay;
  }

  /** A link came up: the next failure starts from the initial delay again. */
  recordSuccess(): void {
    this.failureCount = 0;
    this.notBefore = Number.NEGATIVE_INFINITY;
  }
}
