/**
 * Length-prefixed frames over a byte stream: `u32 length (big-endian) || body`.
 *
 * The decoder accepts any chunking (down to one byte at a time), checks a
 * length against the current maximum as soon as its 4 bytes are known —
 * before allocating or buffering any of the body — and holds at most one
 * partial frame (<= 4 + max bytes). The maximum can change between frames:
 * the handshake uses a small one, the authenticated link a larger one.
 *
 * Use: `decoder.push(chunk)`, then call `decoder.next()` until it returns
 * null, before pushing the next chunk. Frames wholly inside a chunk are views
 * into it (no copy); frames that span chunks are assembled in a fresh buffer.
 * Either way the frame's 4 length bytes sit just before the body in the same
 * ArrayBuffer, so a receiver that decrypts in place can send the same frame
 * on (wire/frame-room.ts). The decoder never reads a chunk again once
 * consumed: the bytes are the receiver's.
 */
import { ErrorCodes, SkeinError } from '../util/errors.js';
import { FRAME_HEADER_BYTES } from '../wire/link-constants.js';

const EMPTY = new Uint8Array(0);

export class FrameDecoder {
  private readonly header = new Uint8Array(FRAME_HEADER_BYTES);
  private readonly headerView = new DataView(this.header.buffer);
  private headerFilled = 0;
  private body: Uint8Array | null = null;
  private bodyFilled = 0;
  private chunk: Uint8Array = EMPTY;
  private chunkOffset = 0;

  constructor(private maxFrame: number, private readonly what = 'link') {}

  get maxFrameBytes(): number {
    return this.maxFrame;
  }

  /** Applies from the next frame header on. */
  setMaxFrameBytes(max: number): void {
    this.maxFrame = max;
  }

  /** Bytes of an incomplete frame held by the decoder (bounded by 4 + max). */
  get bufferedBytes(): number {
    return this.headerFilled + this.bodyFilled;
  }

  /** Bytes of the last pushed chunk not yet consumed by `next()`. */
  get unreadBytes(): number {
    return this.chunk.byteLength - this.chunkOffset;
  }

  /**
   * The wire bytes of the incomplete frame held, and of the pushed chunk not
   * yet consumed, in order; the decoder is left empty. For handing the stream
   * over to another reader mid-frame.
   */
  takeBuffered(): Uint8Array {
    const held = this.body === null ? this.header.subarray(0, this.headerFilled) : this.header;
    const body = this.body === null ? EMPTY : this.body.subarray(0, this.bodyFilled);
    const unread = this.chunk.subarray(this.chunkOffset);
    const out = new Uint8Array(held.byteLength + body.byteLength + unread.byteLength);
    out.set(held, 0);
    out.set(body, held.byteLength);
    out.set(unread, held.byteLength + body.byteLength);
    this.headerFilled = 0;
    this.body = null;
    this.bodyFilled = 0;
    this.chunk = EMPTY;
    this.chunkOffset = 0;
    return out;
  }

  push(chunk: Uint8Array): void {
    if (this.unreadBytes !== 0) throw new Error(`${this.what} frames: push() before the previous chunk was consumed`);
    this.chunk = chunk;
    this.chunkOffset = 0;
  }

  /** The next complete frame body, or null when more bytes are needed. Throws on an oversize length. */
  next(): Uint8Array | null {
    if (this.body === null) {
      const fast = this.wholeFrameInChunk();
      if (fast !== null) return fast;
      if (!this.fillHeader()) return null;
      const length = this.headerView.getUint32(0);
      this.checkLength(length);
      this.body = length === 0 ? EMPTY : bodyAfterHeader(this.header, length);
      this.bodyFilled = 0;
    }
    const body = this.body;
    const n = Math.min(body.byteLength - this.bodyFilled, this.unreadBytes);
    body.set(this.chunk.subarray(this.chunkOffset, this.chunkOffset + n), this.bodyFilled);
    this.chunkOffset += n;
    this.bodyFilled += n;
    if (this.bodyFilled < body.byteLength) return null;
    this.body = null;
    this.bodyFilled = 0;
    this.headerFilled = 0;
    return body;
  }

  /** Fast path: at a frame boundary with the whole frame in the chunk, return a view. */
  private wholeFrameInChunk(): Uint8Array | null {
    if (this.headerFilled !== 0 || this.unreadBytes < FRAME_HEADER_BYTES) return null;
    const c = this.chunk;
    const at = this.chunkOffset;
    const length = ((c[at]! << 24) >>> 0) + (c[at + 1]! << 16) + (c[at + 2]! << 8) + c[at + 3]!;
    this.checkLength(length);
    if (this.unreadBytes < FRAME_HEADER_BYTES + length) return null;
    this.chunkOffset += FRAME_HEADER_BYTES + length;
    return c.subarray(at + FRAME_HEADER_BYTES, at + FRAME_HEADER_BYTES + length);
  }

  private fillHeader(): boolean {
    const n = Math.min(FRAME_HEADER_BYTES - this.headerFilled, this.unreadBytes);
    this.header.set(this.chunk.subarray(this.chunkOffset, this.chunkOffset + n), this.headerFilled);
    this.chunkOffset += n;
    this.headerFilled += n;
    return this.headerFilled === FRAME_HEADER_BYTES;
  }

  private checkLength(length: number): void {
    if (length > this.maxFrame) {
      throw new SkeinError(ErrorCodes.FRAME_TOO_LARGE, `${this.what} frame of ${length} bytes exceeds the maximum ${this.maxFrame}`);
    }
  }
}

/** A fresh, unshared buffer for a body of `length`, with the frame header copied in front of it. */
function bodyAfterHeader(header: Uint8Array, length: number): Uint8Array {
  const whole = Buffer.allocUnsafeSlow(FRAME_HEADER_BYTES + length);
  whole.set(header, 0);
  return new Uint8Array(whole.buffer, whole.byteOffset + FRAME_HEADER_BYTES, length);
}

/** Frame one body. */
export function encodeFrame(body: Uint8Array, maxFrame: number): Uint8Array {
  if (body.byteLength > maxFrame) {
    throw new SkeinError(ErrorCodes.FRAME_TOO_LARGE, `frame of ${body.byteLength} bytes exceeds the maximum ${maxFrame}`);
  }
  const out = new Uint8Array(FRAME_HEADER_BYTES + body.byteLength);
  new DataView(out.buffer).setUint32(0, body.byteLength);
  out.set(body, FRAME_HEADER_BYTES);
  return out;
}

/** Convenience for tests and simple callers: push a chunk and collect every complete frame. */
export function decodeFrames(decoder: FrameDecoder, chunk: Uint8Array): Uint8Array[] {
  decoder.push(chunk);
  const frames: Uint8Array[] = [];
  for (let f = decoder.next(); f !== null; f = decoder.next()) frames.push(f);
  return frames;
}
