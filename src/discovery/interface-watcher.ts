/**
 * Lists the interfaces and hands the current selection to a callback: at
 * start, whenever the kernel says links or addresses changed, and on a timer.
 *
 * With a change feed (an rtnetlink subscription, node/interface-changes.ts)
 * a change is acted on within one turn of the event loop, and the timer is
 * only a backstop: a netlink socket whose queue overflowed drops events, and
 * the listing is what is trusted, never the messages. Without one (no addon)
 * the timer is the only source and `pollMs` is the promise. A listing is
 * one getifaddrs and a few /sys reads. The caller diffs against what it has
 * joined (diffInterfaces), so an interface that failed to join is retried on
 * the next listing.
 */
import type { Clock, TimerHandle } from '../util/clock.js';
import { selectInterfaces, type ActiveInterface, type InterfaceSelection } from './interface-selection.js';
import type { InterfaceSource } from './system-interfaces.js';
import type { InterfaceChangeFeed } from '../util/interface-change-feed.js';

/** How often the interfaces are listed anyway while a change feed runs. */
export const BACKSTOP_POLL_MS = 5_000;

export type { InterfaceChangeFeed };

export interface InterfaceWatcherOptions {
  source: InterfaceSource;
  selection: InterfaceSelection;
  /** The listing interval without a change feed. */
  pollMs: number;
  changes?: InterfaceChangeFeed;
  clock: Clock;
  onPoll: (selected: ActiveInterface[]) => void;
  onError: (err: unknown) => void;
  /** The change feed could not start: the watcher polls every pollMs instead. */
  onChangesUnavailable?: (err: unknown) => void;
}

export interface InterfaceWatcherCounters {
  polls: number;
  changeEvents: number;
}

export class InterfaceWatcher {
  readonly counters: InterfaceWatcherCounters = { polls: 0, changeEvents: 0 };
  private timer: TimerHandle | undefined;
  private stopChanges: (() => void) | undefined;
  private changeQueued = false;
  private intervalMs: number;
  private running = false;

  constructor(private readonly opts: InterfaceWatcherOptions) {
    this.intervalMs = opts.pollMs;
  }

  start(): void {
    this.running = true;
    if (this.opts.changes !== undefined) {
      try {
        this.stopChanges = this.opts.changes.watch(() => this.changed());
        this.intervalMs = Math.max(this.opts.pollMs, BACKSTOP_POLL_MS);
      } catch (err) {
        this.opts.onChangesUnavailable?.(err);
      }
    }
    this.poll();
  }

  stop(): void {
    this.running = false;
    this.timer?.cancel();
    this.timer = undefined;
    this.stopChanges?.();
    this.stopChanges = undefined;
  }

  /** One listing now (also used by tests); reschedules the next one. */
  poll(): void {
    if (!this.running) return;
    this.timer?.cancel();
    this.counters.polls++;
    try {
      this.opts.onPoll(selectInterfaces(this.opts.source(), this.opts.selection));
    } catch (err) {
      this.opts.onError(err);
    }
    this.timer = this.opts.clock.setTimeout(() => this.poll(), this.intervalMs);
  }

  /** A burst of kernel messages (one `ip link set … down` sends several) is one listing, after the burst. */
  private changed(): void {
    this.counters.changeEvents++;
    if (this.changeQueued || !this.running) return;
    this.changeQueued = true;
    this.opts.clock.setTimeout(() => {
      this.changeQueued = false;
      this.poll();
    }, 0);
  }
}
