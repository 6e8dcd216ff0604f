/**
 * Runs the session timers (rekey, retry, keepalive, expiry) on the clock:
 * every SESSION_TICK_MS, and sooner when a handshake retry is due before
 * the next regular tick. What a tick produces goes out through the send
 * pipeline's route stage.
 */
import type { SessionManager, SessionResult } from '../session/index.js';
import type { Clock, TimerHandle } from '../util/clock.js';

/** How often session timers (rekey, retry, keepalive, expiry) run. */
export const SESSION_TICK_MS = 250;

export class SessionTicker {
  private timer: TimerHandle | undefined;
  /** When the armed tick fires (monotonic ms). */
  private tickAtMs = Infinity;
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly sessions: SessionManager,
    private readonly sendResult: (r: SessionResult) => void,
  ) {}

  start(): void {
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }

  /** A handshake went out: make sure the tick comes no later than its retry. */
  handshakeSent(): void {
    const retryAtMs = this.sessions.nextRetryAtMs();
    if (retryAtMs < this.tickAtMs) this.schedule(Math.max(0, retryAtMs - this.clock.monotonic()));
  }

  /**
   * Tick every SESSION_TICK_MS, or sooner for `delayMs`. A first handshake
   * lost at start-up (the responder had no route back yet) is retried after
   * ~100 ms, not at the next regular tick up to 250 ms later.
   */
  private schedule(delayMs = SESSION_TICK_MS): void {
    if (this.stopped) return;
    this.timer?.cancel();
    const dueAtMs = this.clock.monotonic() + delayMs;
    this.tickAtMs = dueAtMs;
    this.timer = this.clock.setTimeout(() => {
      this.schedule(); // first: a retry sent by this tick may arm an earlier one
      // Run what is due by the time this tick was meant for: Node's timers
      // count from the event loop's cached time, so one can fire a few ms
      // before that by our clock, and a retry due then would otherwise wait
      // a whole tick.
      this.sendResult(this.sessions.tick(Math.max(this.clock.monotonic(), dueAtMs)));
    }, delayMs);
  }
}
