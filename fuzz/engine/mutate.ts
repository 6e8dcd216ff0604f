/**
 * Byte-level mutations of a valid input, in the style of libFuzzer's
 * mutators: bit flips, random and "interesting" bytes, insertions, deletions,
 * duplicated and copied ranges, truncation, splicing with another corpus
 * input, and edits of what looks like a length field (u8/u16/u32 big-endian
 * set to 0, ±1, its maximum or the bytes that follow). Several are stacked
 * per input.
 */
import type { FuzzRandom } from './random.js';

const INTERESTING_8 = [0x00, 0x01, 0x02, 0x7f, 0x80, 0xfe, 0xff];
const MAX_STACK = 4;

type Mutator = (data: Uint8Array, rng: FuzzRandom, other: Uint8Array) => Uint8Array;

const flipBit: Mutator = (d, rng) => {
  if (d.byteLength === 0) return d;
  const out = d.slice();
  out[rng.below(out.byteLength)]! ^= 1 << rng.below(8);
  return out;
};

const setByte: Mutator = (d, rng) => {
  if (d.byteLength === 0) return d;
  const out = d.slice();
  out[rng.below(out.byteLength)] = rng.chance(0.5) ? rng.pick(INTERESTING_8) : rng.u32() & 0xff;
  return out;
};

const insertBytes: Mutator = (d, rng) => {
  const at = rng.below(d.byteLength + 1);
  const ins = rng.chance(0.5) ? rng.bytes(1 + rng.below(8)) : new Uint8Array(1 + rng.below(64)).fill(rng.pick(INTERESTING_8));
  const out = new Uint8Array(d.byteLength + ins.byteLength);
  out.set(d.subarray(0, at));
  out.set(ins, at);
  out.set(d.subarray(at), at + ins.byteLength);
  return out;
};

const deleteRange: Mutator = (d, rng) => {
  if (d.byteLength === 0) return d;
  const at = rng.below(d.byteLength);
  const len = 1 + rng.below(Math.min(16, d.byteLength - at));
  const out = new Uint8Array(d.byteLength - len);
  out.set(d.subarray(0, at));
  out.set(d.subarray(at + len), at);
  return out;
};

const duplicateRange: Mutator = (d, rng) => {
  if (d.byteLength === 0) return d;
  const at = rng.below(d.byteLength);
  const len = 1 + rng.below(Math.min(64, d.byteLength - at));
  const piece = d.subarray(at, at + len);
  const out = new Uint8Array(d.byteLength + len);
  out.set(d.subarray(0, at + len));
  out.set(piece, at + len);
  out.set(d.subarray(at + len), at + 2 * len);
  return out;
};

const copyRange: Mutator = (d, rng) => {
  if (d.byteLength < 2) return d;
  const out = d.slice();
  const from = rng.below(d.byteLength);
  const to = rng.below(d.byteLength);
  const len = 1 + rng.below(Math.min(32, d.byteLength - Math.max(from, to)));
  out.copyWithin(to, from, from + len);
  return out;
};

const truncate: Mutator = (d, rng) => d.subarray(0, rng.below(d.byteLength + 1)).slice();

const splice: Mutator = (d, rng, other) => {
  const a = rng.below(d.byteLength + 1);
  const b = rng.below(other.byteLength + 1);
  const out = new Uint8Array(a + other.byteLength - b);
  out.set(d.subarray(0, a));
  out.set(other.subarray(b), a);
  return out;
};

const editLength: Mutator = (d, rng) => {
  if (d.byteLength === 0) return d;
  const width = rng.pick([1, 2, 4]);
  if (d.byteLength < width) return d;
  const out = d.slice();
  const at = rng.below(out.byteLength - width + 1);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const max = width === 1 ? 0xff : width === 2 ? 0xffff : 0xffff_ffff;
  const current = width === 1 ? view.getUint8(at) : width === 2 ? view.getUint16(at) : view.getUint32(at);
  const remaining = out.byteLength - at - width;
  const value = rng.pick([0, current + 1, current - 1, max, remaining, remaining + 1, remaining - 1]);
  const v = ((value % (max + 1)) + max + 1) % (max + 1);
  if (width === 1) view.setUint8(at, v);
  else if (width === 2) view.setUint16(at, v);
  else view.setUint32(at, v);
  return out;
};

const MUTATORS: readonly Mutator[] = [
  flipBit, flipBit, setByte, setByte, insertBytes, deleteRange, duplicateRange, copyRange, truncate, splice, editLength, editLength,
];

/** 1..MAX_STACK mutations of `data`, never longer than `maxBytes`. */
export function mutate(data: Uint8Array, rng: FuzzRandom, other: Uint8Array, maxBytes: number): Uint8Array {
  let out = data;
  const n = 1 + rng.below(MAX_STACK);
  for (let i = 0; i < n; i++) out = rng.pick(MUTATORS)(out, rng, other);
  if (out === data) out = data.slice();
  return out.byteLength > maxBytes ? out.subarray(0, maxBytes) : out;
}
