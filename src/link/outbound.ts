/**
 * The send pipeline of one link:
 *
 *   unsealed frame (u32 length | plaintext message | room for the tag)
 *   -> [queue while backpressured, bounded; drop beyond, counted]
 *   -> transport seal in place -> stream.write()
 *
 * Frames are sealed only when they reach the stream, so a dropped message
 * never leaves a gap in the nonce sequence, and in place, so a payload
 * handed over with room around it (wire/frame-room.ts) is written without a
 * copy. Control messages (PING, PONG) jump ahead of payloads so keepalives
 * survive a full data queue. `write() === false` stops writing until the
 * stream's 'drain'. Once the link is native (native-link.ts) the native side
 * seals and writes, and its BLOCKED answer stops writing until its drain;
 * the queues here stay as they are.
 */
import type { Writable } from 'node:stream';
import type { TransportSender } from '../crypto/transport.js';
import { AEAD_TAG_BYTES } from '../crypto/primitives.js';
import { pinsLargerBuffer } from '../wire/frame-room.js';
import { FRAME_HEADER_BYTES, MAX_FRAME_BYTES } from '../wire/link-constants.js';
import type { LinkConfig } from './config.js';
import { type NativeLink, NativeSendResult } from './native-link.js';
import { BoundedQueue } from './send-queue.js';

/**
 * An unsealed frame for `message`: a fresh buffer laid out as the wire
 * frame, the message copied in (control messages and copied payloads).
 */
export function unsealedFrameFor(message: Uint8Array): Uint8Array {
  const frame = new Uint8Array(FRAME_HEADER_BYTES + message.byteLength + AEAD_TAG_BYTES);
  frame.set(message, FRAME_HEADER_BYTES);
  return frame;
}

export interface OutboundCounters {
  bytesSent: number;
  messagesSent: number;
  dropped: number;
  controlDropped: number;
}

export class Outbound {
  readonly counters: OutboundCounters = { bytesSent: 0, messagesSent: 0, dropped: 0, controlDropped: 0 };
  private sender: TransportSender | null = null;
  private native: NativeLink | null = null;
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

  /** The native link seals and writes from now on (the sender was handed over with it). */
  useNative(link: NativeLink): void {
    this.native = link;
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

  /**
   * A payload's unsealed frame (see `unsealedFrameFor`; the bytes become the
   * link's): written now, queued, or (queue full) dropped and counted.
   */
  sendPayload(frame: Uint8Array): boolean {
    if (!this.congested) {
      this.writeSealed(frame);
      return true;
    }
    // Queued for a while: a small frame must not keep a whole read chunk or TUN batch alive.
    if (this.data.push(pinsLargerBuffer(frame) ? new Uint8Array(frame) : frame)) return true;
    this.counters.dropped++;
    return false;
  }

  sendControl(message: Uint8Array): void {
    const frame = unsealedFrameFor(message);
    if (!this.blocked && this.control.length === 0) this.writeSealed(frame);
    else if (!this.control.push(frame)) this.counters.controlDropped++;
  }

  /** Seal and write now, ahead of any queue (the final CLOSE). Best effort: false if it cannot. */
  sendLast(message: Uint8Array): boolean {
    if (this.native !== null) return this.native.send(unsealedFrameFor(message)) <= NativeSendResult.BLOCKED;
    if (this.sender === null || this.sender.exhausted) return false;
    this.writeSealed(unsealedFrameFor(message));
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

  private writeSealed(frame: Uint8Array): void {
    const bodyBytes = frame.byteLength - FRAME_HEADER_BYTES;
    if (bodyBytes > MAX_FRAME_BYTES) throw new RangeError(`link frame of ${bodyBytes} bytes exceeds the maximum ${MAX_FRAME_BYTES}`);
    if (this.native !== null) return this.writeNative(this.native, frame);
    const sender = this.sender!;
    if (sender.exhausted) {
      this.onExhausted();
      return;
    }
    frame[0] = bodyBytes >>> 24;
    frame[1] = (bodyBytes >>> 16) & 0xff;
    frame[2] = (bodyBytes >>> 8) & 0xff;
    frame[3] = bodyBytes & 0xff;
    sender.sealInPlace(frame.subarray(FRAME_HEADER_BYTES));
    this.counters.messagesSent++;
    this.writeFrame(frame);
  }

  private writeNative(native: NativeLink, frame: Uint8Array): void {
    const result = native.send(frame);
    if (result === NativeSendResult.BLOCKED) this.blocked = true;
    else if (result === NativeSendResult.EXHAUSTED) this.onExhausted();
  }
}
