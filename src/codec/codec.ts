/**
 * The codec kit every wire message and file format is built from.
 *
 * Rules it enforces so individual codecs cannot forget them:
 * - every read is bounds-checked and a short buffer is a DecodeError;
 * - variable-length fields carry an explicit maximum, checked before any
 *   allocation;
 * - `Reader.end()` rejects trailing bytes;
 * - strings must be valid UTF-8 (fatal decoding, no replacement characters);
 * - `Writer` refuses to grow past its declared maximum.
 *
 * Decoders should read into locals and build the result only at the end, so a
 * failed decode never leaves a half-filled object behind.
 */
import { DecodeError, ErrorCodes, SkeinError } from '../util/errors.js';

const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();

export class Reader {
  private offset = 0;
  private readonly view: DataView;

  constructor(private readonly buf: Uint8Array, private readonly what = 'message') {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  get remaining(): number {
    return this.buf.byteLength - this.offset;
  }

  get position(): number {
    return this.offset;
  }

  private need(n: number, field: string): void {
    if (n > this.remaining) {
      throw new DecodeError(`${this.what}: truncated at ${field} (need ${n} bytes, have ${this.remaining})`);
    }
  }

  u8(field = 'u8'): number {
    this.need(1, field);
    return this.view.getUint8(this.offset++);
  }

  u16(field = 'u16'): number {
    this.need(2, field);
    const v = this.view.getUint16(this.offset);
    this.offset += 2;
    return v;
  }

  u32(field = 'u32'): number {
    this.need(4, field);
    const v = this.view.getUint32(this.offset);
    this.offset += 4;
    return v;
  }

  /** 64-bit unsigned integer that must fit in a JS safe integer. */
  u64(field = 'u64'): number {
    this.need(8, field);
    const v = this.view.getBigUint64(this.offset);
    this.offset += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new DecodeError(`${this.what}: ${field} out of range`);
    return Number(v);
  }

  /** 64-bit unsigned integer as bigint (counters that may use all 64 bits). */
  u64big(field = 'u64'): bigint {
    this.need(8, field);
    const v = this.view.getBigUint64(this.offset);
    this.offset += 8;
    return v;
  }

  /** Exactly `n` bytes. Returns a copy, so the result never aliases a reused buffer. */
  bytes(n: number, field = 'bytes'): Uint8Array {
    this.need(n, field);
    const out = this.buf.slice(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  /** u8 length prefix, then that many bytes; length must be <= max. */
  bytes8(max: number, field = 'bytes'): Uint8Array {
    const n = this.u8(`${field} length`);
    if (n > max) throw new DecodeError(`${this.what}: ${field} too long (${n} > ${max})`);
    return this.bytes(n, field);
  }

  /** u16 length prefix, then that many bytes; length must be <= max. */
  bytes16(max: number, field = 'bytes'): Uint8Array {
    const n = this.u16(`${field} length`);
    if (n > max) throw new DecodeError(`${this.what}: ${field} too long (${n} > ${max})`);
    return this.bytes(n, field);
  }

  /** u32 length prefix, then that many bytes; length must be <= max. */
  bytes32(max: number, field = 'bytes'): Uint8Array {
    const n = this.u32(`${field} length`);
    if (n > max) throw new DecodeError(`${this.what}: ${field} too long (${n} > ${max})`);
    return this.bytes(n, field);
  }

  /** u8 length prefix, UTF-8 string of at most `maxBytes` bytes. */
  string8(maxBytes: number, field = 'string'): string {
    const raw = this.bytes8(maxBytes, field);
    try {
      return utf8Decoder.decode(raw);
    } catch {
      throw new DecodeError(`${this.what}: ${field} is not valid UTF-8`);
    }
  }

  /** u8 count prefix for an array; count must be <= max. */
  count8(max: number, field = 'array'): number {
    const n = this.u8(`${field} count`);
    if (n > max) throw new DecodeError(`${this.what}: too many ${field} (${n} > ${max})`);
    return n;
  }

  /** u16 count prefix for an array; count must be <= max. */
  count16(max: number, field = 'array'): number {
    const n = this.u16(`${field} count`);
    if (n > max) throw new DecodeError(`${this.what}: too many ${field} (${n} > ${max})`);
    return n;
  }

  /** The rest of the buffer (copy). */
  rest(): Uint8Array {
    return this.bytes(this.remaining, 'rest');
  }

  /** Assert that the whole input was consumed. */
  end(): void {
    if (this.remaining !== 0) throw new DecodeError(`${this.what}: ${this.remaining} trailing bytes`);
  }
}

export class Writer {
  private buf: Uint8Array;
  private view: DataView;
  private len = 0;

  constructor(private readonly maxSize: number, private readonly what = 'message') {
    this.buf = new Uint8Array(Math.min(256, maxSize));
    this.view = new DataView(this.buf.buffer);
  }

  get length(): number {
    return this.len;
  }

  private reserve(n: number): void {
    const needed = this.len + n;
    if (needed > this.maxSize) {
      throw new SkeinError(ErrorCodes.ENCODE, `${this.what}: encoded size would exceed maximum ${this.maxSize} bytes`);
    }
    if (needed <= this.buf.byteLength) return;
    let cap = this.buf.byteLength * 2;
    while (cap < needed) cap *= 2;
    const next = new Uint8Array(Math.min(cap, this.maxSize));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  private checkInt(v: number, max: number, field: string): void {
    if (!Number.isInteger(v) || v < 0 || v > max) {
      throw new SkeinError(ErrorCodes.ENCODE, `${this.what}: ${field} ${v} out of range 0..${max}`);
    }
  }

  u8(v: number, field = 'u8'): this {
    this.checkInt(v, 0xff, field);
    this.reserve(1);
    this.view.setUint8(this.len, v);
    this.len += 1;
    return this;
  }

  u16(v: number, field = 'u16'): this {
    this.checkInt(v, 0xffff, field);
    this.reserve(2);
    this.view.setUint16(this.len, v);
    this.len += 2;
    return this;
  }

  u32(v: number, field = 'u32'): this {
    this.checkInt(v, 0xffff_ffff, field);
    this.reserve(4);
    this.view.setUint32(this.len, v);
    this.len += 4;
    return this;
  }

  u64(v: number, field = 'u64'): this {
    this.checkInt(v, Number.MAX_SAFE_INTEGER, field);
    this.reserve(8);
    this.view.setBigUint64(this.len, BigInt(v));
    this.len += 8;
    return this;
  }

  u64big(v: bigint, field = 'u64'): this {
    if (v < 0n || v > 0xffff_ffff_ffff_ffffn) throw new SkeinError(ErrorCodes.ENCODE, `${this.what}: ${field} out of range`);
    this.reserve(8);
    this.view.setBigUint64(this.len, v);
    this.len += 8;
    return this;
  }

  /** Fixed-size bytes; `expected` guards against passing a key of the wrong size. */
  bytes(b: Uint8Array, expected?: number, field = 'bytes'): this {
    if (expected !== undefined && b.byteLength !== expected) {
      throw new SkeinError(ErrorCodes.ENCODE, `${this.what}: ${field} must be ${expected} bytes, got ${b.byteLength}`);
    }
    this.reserve(b.byteLength);
    this.buf.set(b, this.len);
    this.len += b.byteLength;
    return this;
  }

  bytes8(b: Uint8Array, max: number, field = 'bytes'): this {
    if (b.byteLength > Math.min(max, 0xff)) throw new SkeinError(ErrorCodes.ENCODE, `${this.what}: ${field} too long`);
    return this.u8(b.byteLength, field).bytes(b);
  }

  bytes16(b: Uint8Array, max: number, field = 'bytes'): this {
    if (b.byteLength > Math.min(max, 0xffff)) throw new SkeinError(ErrorCodes.ENCODE, `${this.what}: ${field} too long`);
    return this.u16(b.byteLength, field).bytes(b);
  }

  bytes32(b: Uint8Array, max: number, field = 'bytes'): this {
    if (b.byteLength > max) throw new SkeinError(ErrorCodes.ENCODE, `${this.what}: ${field} too long`);
    return this.u32(b.byteLength, field).bytes(b);
  }

  string8(s: string, maxBytes: number, field = 'string'): this {
    return this.bytes8(utf8Encoder.encode(s), maxBytes, field);
  }

  count8(n: number, max: number, field = 'array'): this {
    if (n > max) throw new SkeinError(ErrorCodes.ENCODE, `${this.what}: too many ${field} (${n} > ${max})`);
    return this.u8(n, field);
  }

  count16(n: number, max: number, field = 'array'): this {
    if (n > max) throw new SkeinError(ErrorCodes.ENCODE, `${this.what}: too many ${field} (${n} > ${max})`);
    return this.u16(n, field);
  }

  /** The encoded bytes (a copy sized exactly). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

export function fromHex(s: string): Uint8Array {
  if (!/^(?:[0-9a-f]{2})*$/i.test(s)) throw new DecodeError(`not a hex string`);
  return new Uint8Array(Buffer.from(s, 'hex'));
}
