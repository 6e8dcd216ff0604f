/**
 * The simulator's virtual clock: events run in time order, FIFO among equal
 * times (so messages on one link arrive in the order sent). A heap, because
 * a 1,000-node run schedules millions of events.
 */
import { MinHeap } from '../routing/heap.js';

interface SimEvent {
  at: number;
  seq: number;
  run: () => void;
}

export class EventQueue {
  private readonly heap = new MinHeap<SimEvent>((a, b) => a.at < b.at || (a.at === b.at && a.seq < b.seq));
  private seq = 0;
  private current: number;
  executed = 0;

  constructor(startMs: number) {
    this.current = startMs;
  }

  get now(): number {
    return this.current;
  }

  get size(): number {
    return this.heap.size;
  }

  at(timeMs: number, run: () => void): void {
    this.heap.push({ at: Math.max(timeMs, this.current), seq: this.seq++, run });
  }

  nextTime(): number {
    return this.heap.peek()?.at ?? Infinity;
  }

  /** Runs the next event; false when there is none. */
  step(): boolean {
    const e = this.heap.pop();
    if (e === undefined) return false;
    this.current = e.at;
    this.executed++;
    e.run();
    return true;
  }

  /** Moves the clock forward with nothing to run (never backwards). */
  advanceTo(timeMs: number): void {
    this.current = Math.max(this.current, timeMs);
  }
}
