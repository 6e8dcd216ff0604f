/**
 * The send pipeline of one link:
 *
 *   payload / control message (plaintext) -> [queue while backpressured,
 *   bounded; drop beyond, counted] -> transport seal -> frame -> stream.write()
 *
 * Messages are sealed only when they reach the stream, so a dropped message
 * never leaves a gap in the nonce sequence. Control messages (PING, PONG)
 * jump ahead of payloads so keepalives survive a full data queue.
 * `write() === false` stops writing until the stream's 'drain'.
 */
import type { Writable } from 'node:stream';
import type { TransportSender } from '../crypto/transport.js';
import { MAX_FRAME_BYTES } from '../wire/link-constants.js';
import type { LinkConfig } from './config.js';
import { encodeFrame } from './framing.js';
import { BoundedQueue } from './send-queue.js';

export interface OutboundCounters {
  bytesSent: number;
  messagesSent: number;
  dropped: number;
  controlDropped: number;
}

export class Outbound {
  readonly counters: OutboundCounters = { bytesSent: 0, messagesSent: 0, dropped: 0, controlDropped: 0 };
  private sender: TransportSender | null = null;
  private blocked = false;
  private readonly control: BoundedQueue;
  private readonly data: BoundedQueue;

  /** `onExhausted` is called instead of sealing once the sender hit its message limit. */
  constructor(private readonly stream: Writable, config: LinkConfig, private readonly onExhausted: () => void) {
    this.control = new BoundedQueue(config.maxQueuedControl, Number.MAX_SAFE_INTEGER);
    this.data = new BoundedQueue(config.maxQueuedMessages, config.maxQueuedBytes);
  }

  /** Transport keys are ready: sealed messages may flow. */
  setSender(sender: TransportSender): void {
    this.sender = sender;
  }

  get congested(): boolean {
    return this.blocked || this.data.length > 0 || this.control.length > 0;
  }

  get queuedBytes(): number {
    return this.data.bytes;
  }

  get queuedMessages(): number {
    return this.data.length;
  }

  /** A payload message: written now, queued, or (queue full) dropped and counted. */
  sendPayload(message: Uint8Array): boolean {
    if (!this.congested) {
      this.writeSealed(message);
      return true;
    }
    if (this.data.push(message)) return true;
    this.counters.dropped++;
    return false;
  }

  sendControl(message: Uint8Array): void {
    if (!this.blocked && this.control.length === 0) this.writeSealed(message);
    else if (!this.control.push(message)) this.counters.controlDropped++;
  }

  /** Seal and write now, ahead of any queue (the final CLOSE). Best effort: false if it cannot. */
  sendLast(message: Uint8Array): boolean {
    if (this.sender === null || this.sender.exhausted) return false;
    this.writeSealed(message);
    return true;
  }

  /** Unsealed bytes (handshake frames). */
  writeFrame(frame: Uint8Array): void {
    this.counters.bytesSent += frame.byteLength;
    if (!this.stream.write(frame)) this.blocked = true;
  }

  /** The stream drained: write queued messages until it pushes back again. True when all is flushed. */
  onDrain(stillOpen: () => boolean): boolean {
    this.blocked = false;
    while (!this.blocked && stillOpen()) {
      const next = this.control.shift() ?? this.data.shift();
      if (next === undefined) break;
      this.writeSealed(next);
    }
    return !this.congested;
  }

  clear(): void {
    this.control.clear();
    this.data.clear();
  }

  private writeSealed(plaintext: Uint8Array): void {
    const sender = this.sender!;
    if (sender.exhausted) {
      this.onExhausted();
      return;
    }
    this.counters.messagesSent++;
    this.writeFrame(encodeFrame(sender.seal(plaintext), MAX_FRAME_BYTES));
  }
}
