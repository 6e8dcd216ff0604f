/**
 * An in-memory stand-in for a TCP connection: two Duplex ends, what one
 * writes the other reads. Used by tests and the simulator in place of
 * net.Socket.
 *
 * It keeps TCP's properties the link layer depends on:
 *   - order and no loss;
 *   - backpressure: when the reader stops reading, its buffer fills, the
 *     writer's callbacks are held back and its write() starts returning false;
 *   - end/destroy on one side ends the other's readable side (FIN);
 * and it can simulate a cut cable (`cut()`): bytes vanish in both directions
 * with no FIN, which only keepalives can detect.
 *
 * An end made by `dialing()` has no peer yet (a connect in progress): what
 * is written waits until `attach()` gives it one (then 'connect'), and
 * `refuse()` fails it as a refused connect does.
 */
import { Duplex } from 'node:stream';
import type { Clock } from '../util/clock.js';

export interface MemoryDuplexOptions {
  /** Readable buffer size of each end, in bytes, before backpressure starts. */
  highWaterMark?: number;
  /** One-way latency: each write arrives `ms` later on `clock` (a ManualClock in tests); no backpressure then. */
  latency?: { clock: Clock; ms: number };
}

const DEFAULT_HIGH_WATER_MARK = 16 * 1024;

export class MemoryDuplex extends Duplex {
  private peer: MemoryDuplex | null = null;
  /** The peer's write callback we hold back until we read again. */
  private heldWriterCallback: (() => void) | null = null;
  private isCut = false;
  /** Our readable side has been given EOF by the peer. */
  private eofPushed = false;
  private readonly latency: MemoryDuplexOptions['latency'];
  /** Not connected yet (see dialing()): the one write in progress waits here. */
  private connecting = false;
  private waitingWrite: { run: () => void; callback: (error?: Error | null) => void } | null = null;

  constructor(opts: MemoryDuplexOptions = {}) {
    const hwm = opts.highWaterMark ?? DEFAULT_HIGH_WATER_MARK;
    super({ readableHighWaterMark: hwm, writableHighWaterMark: hwm, allowHalfOpen: true });
    this.latency = opts.latency;
  }

  static pair(opts: MemoryDuplexOptions = {}): [MemoryDuplex, MemoryDuplex] {
    const a = new MemoryDuplex(opts);
    const b = new MemoryDuplex(opts);
    a.peer = b;
    b.peer = a;
    return [a, b];
  }

  /** An end whose connection is still being made: writes wait for attach() or fail with refuse(). */
  static dialing(opts: MemoryDuplexOptions = {}): MemoryDuplex {
    const end = new MemoryDuplex(opts);
    end.connecting = true;
    return end;
  }

  /** Connect a dialing() end: returns the other end (the accepted one); 'connect' follows on this end. */
  attach(opts: MemoryDuplexOptions = {}): MemoryDuplex {
    const other = new MemoryDuplex(opts);
    other.peer = this;
    this.peer = other;
    this.connecting = false;
    const waiting = this.waitingWrite;
    this.waitingWrite = null;
    waiting?.run();
    this.emit('connect');
    return other;
  }

  /** Fail a dialing() end (say with code ECONNREFUSED): 'error' then 'close'. */
  refuse(error: Error): void {
    this.connecting = false;
    this.destroy(error);
  }

  /** True once cut(): nothing passes either way. */
  get severed(): boolean {
    return this.isCut;
  }

  /** Drop everything from now on, both ways, silently (a pulled cable). */
  cut(): void {
    this.isCut = true;
    if (this.peer) this.peer.isCut = true;
  }

  override _write(chunk: Buffer, encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.connecting) {
      this.waitingWrite = { run: () => this._write(chunk, encoding, callback), callback };
      return;
    }
    // Deliver asynchronously, as a socket does: a reader never runs inside its peer's write().
    const deliver = () => {
      const peer = this.peer;
      if (this.isCut || peer === null || peer.destroyed || peer.eofPushed) {
        callback();
        return;
      }
      // A copy, as a real wire makes: each end owns (and may decrypt in place) what it reads.
      if (peer.push(Buffer.from(chunk))) callback();
      else peer.heldWriterCallback = () => callback();
    };
    if (this.latency === undefined) {
      queueMicrotask(deliver);
      return;
    }
    // With latency, writes are in flight in parallel (a pipe, not a queue): no backpressure is modelled.
    this.latency.clock.setTimeout(() => {
      const peer = this.peer;
      if (!this.isCut && peer !== null && !peer.destroyed && !peer.eofPushed) peer.push(Buffer.from(chunk));
    }, this.latency.ms);
    callback();
  }

  override _read(): void {
    const held = this.heldWriterCallback;
    this.heldWriterCallback = null;
    held?.();
  }

  override _final(callback: (error?: Error | null) => void): void {
    // The FIN travels behind the data still in flight.
    if (this.latency === undefined) this.endPeer();
    else this.latency.clock.setTimeout(() => this.endPeer(), this.latency.ms);
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const waiting = this.waitingWrite;
    this.waitingWrite = null;
    waiting?.callback();
    if (this.latency === undefined) this.endPeer();
    else this.latency.clock.setTimeout(() => this.endPeer(), this.latency.ms);
    const held = this.heldWriterCallback;
    this.heldWriterCallback = null;
    held?.();
    callback(error);
  }

  private endPeer(): void {
    const peer = this.peer;
    if (this.isCut || peer === null || peer.destroyed || peer.eofPushed) return;
    peer.eofPushed = true;
    peer.push(null);
  }
}
