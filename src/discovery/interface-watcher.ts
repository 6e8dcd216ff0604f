/**
 * Polls the interface list on an injected clock and hands the current
 * selection to a callback: at start, then every pollMs. Polling (not
 * netlink) because Node has no netlink socket; the cost is one getifaddrs
 * and a few /sys reads per poll, and the promise is only "within one
 * interval". The caller diffs against what it has joined (diffInterfaces),
 * so an interface that failed to join is retried on the next poll.
 */
import type { Clock, TimerHandle } from '../util/clock.js';
import { selectInterfaces, type ActiveInterface, type InterfaceSelection } from './interface-selection.js';
import type { InterfaceSource } from './system-interfaces.js';

export interface InterfaceWatcherOptions {
  source: InterfaceSource;
  selection: InterfaceSelection;
  pollMs: number;
  clock: Clock;
  onPoll: (selected: ActiveInterface[]) => void;
  onError: (err: unknown) => void;
}

export class InterfaceWatcher {
  private timer: TimerHandle | undefined;
  private running = false;

  constructor(private readonly opts: InterfaceWatcherOptions) {}

  start(): void {
    this.running = true;
    this.poll();
  }

  stop(): void {
    this.running = false;
    this.timer?.cancel();
    this.timer = undefined;
  }

  /** One poll now (also used by tests); reschedules the next one. */
  poll(): void {
    if (!this.running) return;
    this.timer?.cancel();
    try {
      this.opts.onPoll(selectInterfaces(this.opts.source(), this.opts.selection));
    } catch (err) {
      this.opts.onError(err);
    }
    this.timer = this.opts.clock.setTimeout(() => this.poll(), this.opts.pollMs);
  }
}
