/**
 * Time is injected everywhere so every protocol timer runs in virtual time in
 * tests. `RealClock` uses unref'd timers (a pending timer never keeps the
 * process alive); `ManualClock` only moves when a test calls `advance`.
 *
 * Two kinds of time, never mixed: wall time (`now`) for what other machines
 * must agree on (certificate validity, record issue times, handshake
 * timestamps) and monotonic time (`monotonic`) for every interval, timer and
 * budget, so an operator or NTP stepping the wall clock back neither freezes a
 * rate limit nor pushes a timer into the far future.
 */
export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Monotonic milliseconds, for measuring intervals (RTT, timeouts). */
  monotonic(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
}

export class RealClock implements Clock {
  now(): number {
    return Date.now();
  }

  monotonic(): number {
    return performance.now();
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const t = setTimeout(fn, Math.max(0, ms));
    t.unref();
    return { cancel: () => clearTimeout(t) };
  }
}

interface PendingTimer {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/**
 * A virtual clock: timers fire in time order (FIFO for equal times) during
 * `advance`. Wall and monotonic time start equal and move together; only
 * `stepWallClock` sets them apart, as a clock step on a real machine does.
 */
export class ManualClock implements Clock {
  private current: number;
  /** Wall time minus monotonic time. */
  private wallOffset = 0;
  private seq = 0;
  private timers: PendingTimer[] = [];

  constructor(startMs = 1_700_000_000_000) {
    this.current = startMs;
  }

  now(): number {
    return this.current + this.wallOffset;
  }

  monotonic(): number {
    return this.current;
  }

  /** Step wall time by `ms` (negative: backwards) without moving monotonic time or firing timers. */
  stepWallClock(ms: number): void {
    this.wallOffset += ms;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer: PendingTimer = { at: this.current + Math.max(0, ms), seq: this.seq++, fn, cancelled: false };
    this.timers.push(timer);
    return { cancel: () => { timer.cancelled = true; } };
  }

  /** Number of timers still pending (cancelled ones excluded). */
  pending(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  /** Move time forward by `ms`, firing every timer that falls due on the way. */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      this.timers = this.timers.filter((t) => !t.cancelled);
      let next: PendingTimer | undefined;
      for (const t of this.timers) {
        if (t.at <= target && (next === undefined || t.at < next.at || (t.at === next.at && t.seq < next.seq))) next = t;
      }
      if (next === undefined) break;
      this.current = next.at;
      next.cancelled = true;
      next.fn();
    }
    this.current = target;
  }
}
