/**
 * A wall clock a test can step forward (days at a time) while timers and
 * monotonic time stay those of a base clock (real by default, or a
 * testbed's ManualClock), so one daemon can be taken past a certificate's
 * expiry without waiting for it and without moving its peers' wall clocks.
 */
import type { Clock, TimerHandle } from '../../src/util/clock.js';
import { RealClock } from '../../src/util/clock.js';

export class SteppedClock implements Clock {
  private offsetMs = 0;

  constructor(private readonly base: Clock = new RealClock()) {}

  now(): number {
    return this.base.now() + this.offsetMs;
  }

  monotonic(): number {
    return this.base.monotonic();
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.base.setTimeout(fn, ms);
  }

  /** Move the wall clock forward by `ms`. */
  step(ms: number): void {
    this.offsetMs += ms;
  }
}
