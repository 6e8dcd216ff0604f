/**
 * Gives the C allocator's free pages back to the kernel after traffic.
 *
 * Packet buffers come and go by the thousand a second under load; glibc keeps
 * the pages they were freed from, so without this a daemon's resident memory
 * stays at the peak of its busiest second forever (see native/heap.c). Every
 * CHECK_INTERVAL_MS, when the allocator holds more than TRIM_ABOVE_BYTES free,
 * the free pages are released. An idle daemon's check finds little free and
 * does nothing; a busy one trims about once a check, which costs a page fault
 * per reused page, far below the cost of moving the packets themselves.
 */
import type { Clock, TimerHandle } from '../util/clock.js';
import type { Logger } from '../util/log.js';
import type { MallocHeap } from '../util/malloc-heap.js';
import type { Service } from './lifecycle.js';

export const CHECK_INTERVAL_MS = 2_000;
/** Below this much free, trimming would return too little to be worth the later page faults. */
export const TRIM_ABOVE_BYTES = 2 * 1024 * 1024;

export interface HeapTrimCounters {
  checks: number;
  trims: number;
}

export class HeapTrim implements Service {
  readonly name = 'heap trim';
  readonly counters: HeapTrimCounters = { checks: 0, trims: 0 };
  private timer: TimerHandle | undefined;

  constructor(private readonly heap: MallocHeap | undefined, private readonly clock: Clock, private readonly log: Logger) {}

  start(): void {
    if (this.heap === undefined) {
      this.log.debug({}, 'heap trim: the allocator addon is not built; freed memory stays with the process');
      return;
    }
    this.schedule();
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  /** One check (the timer's work). */
  check(): void {
    if (this.heap === undefined) return;
    this.counters.checks++;
    if (this.heap.freeBytes() > TRIM_ABOVE_BYTES && this.heap.trim()) this.counters.trims++;
  }

  private schedule(): void {
    this.timer = this.clock.setTimeout(() => {
      this.check();
      this.schedule();
    }, CHECK_INTERVAL_MS);
  }
}
