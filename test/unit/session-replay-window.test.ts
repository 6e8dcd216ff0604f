import { test } from 'node:test';
import assert from 'node:assert/strict';
import { REPLAY_RING_BITS, REPLAY_WINDOW, ReplayWindow } from '../../src/session/replay-window.js';

const LIMIT = 2 ** 48;

test('window size: a 2048-bit ring keeps the last 2016 counters (one 32-bit block of slack)', () => {
  assert.equal(REPLAY_RING_BITS, 2048);
  assert.equal(REPLAY_WINDOW, 2016);
});

test('the first packet may carry any counter, 0 included, and only once', () => {
  for (const first of [0, 1, 31, 32, 5000, 2 ** 40]) {
    const w = new ReplayWindow(LIMIT);
    assert.equal(w.highest, -1);
    assert.ok(w.check(first));
    assert.ok(w.accept(first), `first ${first}`);
    assert.ok(!w.accept(first), `duplicate of first ${first}`);
    assert.equal(w.highest, first);
  }
});

test('duplicates are refused, in order or not', () => {
  const w = new ReplayWindow(LIMIT);
  for (let i = 0; i < 100; i++) assert.ok(w.accept(i));
  for (let i = 0; i < 100; i++) assert.ok(!w.accept(i), `dup ${i}`);
  assert.ok(w.accept(150));
  assert.ok(w.accept(120)); // reordered, inside the window
  assert.ok(!w.accept(120));
  assert.ok(!w.accept(150));
});

test('exactly REPLAY_WINDOW back is accepted; one more is refused', () => {
  const top = 10_000;
  const w = new ReplayWindow(LIMIT);
  assert.ok(w.accept(top));
  assert.ok(w.accept(top - REPLAY_WINDOW), 'edge of the window');
  assert.ok(!w.accept(top - REPLAY_WINDOW), 'edge, again');
  assert.ok(!w.accept(top - REPLAY_WINDOW - 1), 'one past the edge');
  assert.ok(!w.check(0));
  // every counter strictly inside the window is still fresh
  for (let c = top - REPLAY_WINDOW + 1; c < top; c++) assert.ok(w.check(c), `counter ${c}`);
});

test('a far-future jump clears the whole ring: old counters are gone, new ones fresh', () => {
  const w = new ReplayWindow(LIMIT);
  for (let i = 0; i < 3000; i++) assert.ok(w.accept(i));
  const far = 1_000_000;
  assert.ok(w.accept(far));
  assert.ok(!w.check(2999), 'far behind the window now');
  for (let c = far - REPLAY_WINDOW; c < far; c++) assert.ok(w.check(c), `stale bit left at ${c}`);
  assert.ok(!w.accept(far));
});

test('the ring wraps: blocks reused after many advances hold no stale bits', () => {
  const w = new ReplayWindow(LIMIT);
  // Walk forward in steps that land in every ring block many times over.
  for (let c = 0; c < REPLAY_RING_BITS * 10; c += 7) assert.ok(w.accept(c), `counter ${c}`);
  const top = w.highest;
  // Counters skipped by the walk are still fresh inside the window; the walked ones are replays.
  for (let c = top - REPLAY_WINDOW; c <= top; c++) {
    const walked = c % 7 === 0;
    assert.equal(w.check(c), !walked, `counter ${c}`);
  }
});

test('advancing by less than a block, by exactly a block, and across the slack block', () => {
  const w = new ReplayWindow(LIMIT);
  assert.ok(w.accept(31));
  assert.ok(w.accept(32)); // next block
  assert.ok(w.accept(0));
  assert.ok(w.accept(31 + REPLAY_WINDOW)); // 0..30 now outside; 31 exactly on the edge
  assert.ok(!w.check(30));
  assert.ok(!w.check(31), '31 was seen and is still inside');
  assert.ok(w.check(33), '33 never seen and still inside');
});

test('counters at or above the limit, negative or fractional are refused', () => {
  const w = new ReplayWindow(100);
  assert.ok(!w.accept(100));
  assert.ok(!w.accept(-1));
  assert.ok(!w.accept(1.5));
  assert.ok(!w.accept(Number.NaN));
  assert.ok(w.accept(99));
  assert.equal(w.highest, 99);
});

test('check never changes the window', () => {
  const w = new ReplayWindow(LIMIT);
  assert.ok(w.check(500));
  assert.ok(w.check(500));
  assert.equal(w.highest, -1);
  assert.ok(w.accept(500));
});
