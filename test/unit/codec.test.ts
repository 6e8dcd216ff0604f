import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Reader, Writer } from '../../src/codec/codec.js';
import { DecodeError, SkeinError } from '../../src/util/errors.js';

test('codec round-trips every field type', () => {
  const w = new Writer(1024);
  w.u8(7).u16(65535).u32(0xdeadbeef).u64(Number.MAX_SAFE_INTEGER).u64big(0xffff_ffff_ffff_ffffn)
    .bytes(new Uint8Array([1, 2, 3]), 3).bytes8(new Uint8Array([9]), 10).bytes16(new Uint8Array(300), 300)
    .string8('héllo', 20).count8(2, 4);
  const r = new Reader(w.finish());
  assert.equal(r.u8(), 7);
  assert.equal(r.u16(), 65535);
  assert.equal(r.u32(), 0xdeadbeef);
  assert.equal(r.u64(), Number.MAX_SAFE_INTEGER);
  assert.equal(r.u64big(), 0xffff_ffff_ffff_ffffn);
  assert.deepEqual([...r.bytes(3)], [1, 2, 3]);
  assert.deepEqual([...r.bytes8(10)], [9]);
  assert.equal(r.bytes16(300).byteLength, 300);
  assert.equal(r.string8(20), 'héllo');
  assert.equal(r.count8(4), 2);
  r.end();
});

test('codec rejects truncation, oversize fields, bad UTF-8 and trailing bytes with DecodeError', () => {
  assert.throws(() => new Reader(new Uint8Array([1])).u16(), DecodeError);
  assert.throws(() => new Reader(new Uint8Array([5, 1, 2])).bytes8(10), DecodeError);
  assert.throws(() => new Reader(new Uint8Array([5, 1, 2, 3, 4, 5])).bytes8(4), DecodeError);
  assert.throws(() => new Reader(new Uint8Array([2, 0xc3, 0x28])).string8(10), DecodeError);
  assert.throws(() => new Reader(new Uint8Array([1, 2])).end(), DecodeError);
  const big = new Uint8Array(8).fill(0xff);
  assert.throws(() => new Reader(big).u64(), DecodeError);
});

test('Writer refuses to exceed its maximum size and out-of-range integers', () => {
  assert.throws(() => new Writer(3).u32(1), SkeinError);
  assert.throws(() => new Writer(8).u8(256), SkeinError);
  assert.throws(() => new Writer(8).bytes(new Uint8Array(2), 3), SkeinError);
});
