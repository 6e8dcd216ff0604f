/**
 * A wall clock a test can step forward (days at a time) while timers and
 * monotonic time stay real, so whole daemons over loopback can be taken
 * past a certificate's expiry without waiting for it.
 */
import type { Clock, TimerHandle } from '../../src/util/clock.js';
import { RealClock } from '../../src/util/clock.js';

export class SteppedClock implements Clock {
  private offsetMs = 0;
  private readonly real = new RealClock();

  now(): number {
    return Date.now() + this.offsetMs;
  }

  monotonic(): number {
    return this.real.monotonic();
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.real.setTimeout(fn, ms);
  }

  /** Move the wall clock forward by `ms`. */
  step(ms: number): void {
    this.offsetMs += ms;
  }
}
