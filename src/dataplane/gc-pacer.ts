/**
 * Paces V8's young-generation collections by the packet bytes that arrive,
 * not by JavaScript allocation.
 *
 * Every TUN read batch and every link read is a buffer whose bytes live
 * outside V8's heap; the JavaScript objects that hold them are a few dozen
 * bytes each. V8 collects the young generation when its own (small) objects
 * fill it, so between two collections hundreds of megabytes of dead packet
 * buffers can wait to be freed, and V8's external-memory limit lets them reach
 * tens of megabytes: a relay's resident memory under load was mostly garbage
 * waiting for a collection. Asking for a minor collection after every
 * PACE_BYTES of packets keeps that garbage to about PACE_BYTES; a minor
 * collection of a heap this small costs a fraction of a millisecond, and it
 * runs on an immediate, after the current batch, never inside it.
 *
 * An idle node asks for nothing. Without a collector to call (`gc` is exposed
 * only by `--expose-gc`, one of the daemon's Node flags: node/node-flags.ts)
 * the pacer does nothing and V8 collects as it would anyway.
 */
import type { Clock } from '../util/clock.js';
import type { PacketArrivals } from './ports.js';

export const PACE_BYTES = 2 * 1024 * 1024;

/** Runs one young-generation collection. */
export type MinorCollector = () => void;

export class GcPacer implements PacketArrivals {
  /** Collections asked for (a counter for tests and metrics). */
  collections = 0;
  private bytesSinceCollection = 0;
  private queued = false;

  constructor(private readonly collect: MinorCollector | undefined, private readonly clock: Clock, private readonly paceBytes = PACE_BYTES) {}

  arrived(bytes: number): void {
    if (this.collect === undefined) return;
    this.bytesSinceCollection += bytes;
    if (this.queued || this.bytesSinceCollection < this.paceBytes) return;
    this.queued = true;
    this.clock.setTimeout(() => this.collectNow(), 0);
  }

  private collectNow(): void {
    this.queued = false;
    this.bytesSinceCollection = 0;
    this.collections++;
    this.collect?.();
  }
}
